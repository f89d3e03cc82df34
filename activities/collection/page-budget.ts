/**
 * Pages of Salesforce records held in memory at once by one worker's collection activities (a 2,000-record
 * LoginHistory page is a few MB as JSON, and again as parsed objects). Each activity always gets one page; the
 * page it prefetches while writing the current one only when a spare permit exists, so with every slot busy
 * memory stays at one page per slot, and a lone activity still overlaps Salesforce and PostgreSQL.
 */
export class PageBudget {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`page budget must be ≥ 1, got ${size}`);
    this.#free = size;
  }

  get free(): number {
    return this.#free;
  }

  tryAcquire(): boolean {
    if (this.#free === 0) return false;
    this.#free -= 1;
    return true;
  }

  /** Waits for a permit; a cancelled activity stops waiting (its signal's reason is thrown). */
  acquire(signal: AbortSignal): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        const i = this.#waiting.indexOf(grant);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal.reason);
      };
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      this.#waiting.push(grant);
    });
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free += 1;
  }
}

/** The permits one activity holds, so every exit path gives back exactly what it took. */
export class PagePermits {
  #held = 0;
  constructor(private readonly budget: PageBudget | undefined) {}

  async take(signal: AbortSignal): Promise<void> {
    if (this.budget) await this.budget.acquire(signal);
    this.#held += 1;
  }

  tryTake(): boolean {
    if (this.budget && !this.budget.tryAcquire()) return false;
    this.#held += 1;
    return true;
  }

  giveBack(): void {
    if (this.#held === 0) return;
    this.#held -= 1;
    this.budget?.release();
  }

  giveBackAll(): void {
    while (this.#held > 0) this.giveBack();
  }
}
