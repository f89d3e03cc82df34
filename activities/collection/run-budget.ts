import type { SqlHandle } from './objects';

/**
 * This attempt's Salesforce calls as booked in `collection_runs.api_calls`, the figure the per-run budget
 * (`runBudgetCalls`) is judged on. Without a budget, calls are booked after they are made, with the page that
 * used them. With a budget, each call is booked before it is made, by one conditional UPDATE that only succeeds
 * while the run is under its budget: parallel segments (in this worker or another) then cannot each spend the
 * last call, so the budget holds exactly instead of being overshot by one page per segment. A booking not spent
 * (the attempt stopped, or a shared /limits read made the call for it) is given back at the end.
 */
export class RunCallLedger {
  /** Calls of `callsMade()` already accounted for (booked in advance or after). */
  private accounted = 0;
  /** Calls booked in advance and not made yet. */
  private prepaid = 0;

  constructor(
    private readonly runId: string,
    private readonly budget: number | null,
    private readonly callsMade: () => number,
  ) {}

  /**
   * Before a call: with a budget, books it (unless one booked earlier is still unspent); false when the run's
   * budget is spent, and nothing was booked. Returns the run's calls after booking (or null without a budget).
   */
  async reserve(sql: SqlHandle): Promise<{ allowed: boolean; runCalls: number | null }> {
    if (this.budget === null) return { allowed: true, runCalls: null };
    this.settleMade();
    if (this.prepaid > 0) return { allowed: true, runCalls: null };
    const [row] = await sql<{ api_calls: number }[]>`
      update collection_runs set api_calls = api_calls + 1
      where id = ${this.runId} and api_calls < ${this.budget}
      returning api_calls`;
    if (!row) return { allowed: false, runCalls: null };
    this.prepaid += 1;
    return { allowed: true, runCalls: row.api_calls };
  }

  /** Calls made and not booked yet: what to add to api_calls with the next write. Pure; `booked` commits it. */
  unbooked(): { made: number; add: number } {
    const made = this.callsMade() - this.accounted;
    return { made, add: Math.max(0, made - this.prepaid) };
  }

  /** After the write that added `unbooked().add` committed. */
  booked(entry: { made: number; add: number }): void {
    this.accounted += entry.made;
    this.prepaid -= entry.made - entry.add;
  }

  /**
   * When the attempt stops: the change to api_calls that books every call made and gives back every booking
   * not spent (negative when only bookings are left). Everything counts as booked afterwards.
   */
  closeOut(): number {
    this.settleMade();
    const delta = this.callsMade() - this.accounted - this.prepaid;
    this.accounted = this.callsMade();
    this.prepaid = 0;
    return delta;
  }

  /** Calls made since they were booked in advance use up those bookings (nothing to add for them later). */
  private settleMade(): void {
    const made = this.callsMade() - this.accounted;
    const covered = Math.min(made, this.prepaid);
    this.accounted += covered;
    this.prepaid -= covered;
  }
}
