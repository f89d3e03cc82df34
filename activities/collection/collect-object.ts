import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDependencies } from '../dependencies';
import type { CollectedObject, ObjectProgress, RunKind } from '../../workflows/definitions';
import { loadIntegration } from '../integration-repository';
import type { ApiUsage, QueryResult } from '../../salesforce/client';
import {
  InvalidQueryLocatorError,
  SalesforceDailyLimitError,
  toActivityFailure,
} from '../../salesforce/errors';
import type { Sql } from '../../platform/database';
import type { IntegrationOptions } from '../../platform/integration-options';
import {
  completePass,
  loadCursor,
  loadRun,
  recordRunCalls,
  recordRunProgress,
  savePosition,
  type Position,
  type RunRow,
} from './cursor-store';
import { advance, describeCursor, keysetWhere } from './keyset';
import { objectSpecs, type ObjectSpec, type SqlHandle } from './objects';
import { PagePermits } from './page-budget';
import { allSegmentsFinished, dropSegments, loadSegment, saveSegment, segmentedProgress } from './segments';
import { startingPosition, type CollectionHeartbeat } from './pass-start';
import { atThreshold, quotaResumeAt } from './quota';
import { RunCallLedger } from './run-budget';

export interface CollectObjectInput {
  integrationId: string;
  runId: string;
  object: CollectedObject;
  kind: RunKind;
  /** After a quota pause: ask /limits before the first page, whatever the last figure says. */
  recheckQuota?: boolean;
  /** The last quota timer fired: if usage is still over the threshold, look again soon, not next day. */
  quotaBackoff?: boolean;
  /** Identifies one wake-up: parallel segments re-checking for the same wake-up share one /limits read. */
  recheckKey?: string;
  /** One segment of a pass split by planSegments (collected in parallel with the others); absent: the whole pass. */
  segment?: number;
}

export type CollectObjectResult =
  | {
      outcome: 'completed';
      pages: number;
      records: number;
      apiCalls: number;
      usage: { used: number; max: number } | null;
    }
  /** The time slice is over; the cursor is saved and the next slice continues from it. */
  | { outcome: 'yielded'; pages: number; records: number }
  | {
      outcome: 'quota_paused';
      reason: 'daily_threshold' | 'run_budget';
      used: number;
      max: number;
      observedAt: string;
      thresholdPercent: number;
      runApiCalls: number;
      /** Pages this attempt wrote before it stopped (0: the re-check found usage still too high). */
      collectedPages: number;
      /** ISO: start of the next day in the integration's timezone, or the rolling-window back-off. */
      resumeAt: string;
    };

/** A usage figure older than this is refreshed with /limits before the next page. */
const USAGE_FRESH_MS = 60_000;
const KEEP_ALIVE_MS = 5_000;
/** A /limits read this recent, by another segment of the same org in this worker, refreshes a stale figure. */
const SHARED_LIMITS_READ_MS = 10_000;
/**
 * Heartbeats stop when nothing has moved for this long (a page request is bounded by the HTTP timeout, a write
 * by statement_timeout), so a hung attempt times out and is retried instead of looking alive for hours.
 */
const STALLED_AFTER_MS = 5 * 60_000;
/** Default time slice: long enough to amortise a slice's few history events, short enough to share the fleet. */
export const DEFAULT_COLLECTION_SLICE_MS = 5 * 60_000;

/**
 * One object's pass, page by page, as one long-running heartbeating activity (docs.temporal.io
 * design-patterns/long-running-activity). Each page is upserted together with the cursor and the run's
 * progress in one transaction, so a crash or retry resumes exactly after the last written page.
 */
export async function collectObject(
  deps: ActivityDependencies,
  input: CollectObjectInput,
): Promise<CollectObjectResult> {
  const ctx = Context.current();
  const signal = ctx.cancellationSignal;
  const { integrationId, runId, object } = input;
  const log = deps.logger.child({
    integrationId,
    runId,
    object,
    activity: 'collectObject',
    ...(input.segment !== undefined ? { segment: input.segment } : {}),
  });
  const spec = objectSpecs[object];

  const { connection, options } = await loadIntegration(deps, integrationId);
  const run = await loadRun(deps.sql, runId, integrationId);
  if (!run)
    throw ApplicationFailure.nonRetryable(`Collection run ${runId} does not exist`, 'CollectionRunNotFound');
  const opened = await openPass(deps, input, spec, options, run, ctx.info.heartbeatDetails);
  if ('finished' in opened) {
    // This pass (or segment) already completed in this run (a retry after the result was lost): nothing to do.
    return {
      outcome: 'completed',
      pages: opened.finished.pages,
      records: opened.finished.records,
      apiCalls: 0,
      usage: null,
    };
  }
  const { store } = opened;
  const start = store.start;
  let position = start.position;
  if (start.resumed)
    log.info('resuming pass', { from: start.resumed, pages: position.pages, records: position.records });

  const client = deps.salesforce(connection);
  const sliceEndsAt = Date.now() + (deps.collectionSliceMs ?? DEFAULT_COLLECTION_SLICE_MS);
  let lastProgressAt = Date.now();
  const threshold = options.quotaThresholdPercent;
  // The run's calls as last recorded (every attempt and parallel segment), plus this attempt's unsaved ones.
  let runCalls = run.apiCalls;
  const ledger = new RunCallLedger(runId, options.runBudgetCalls, () => client.callsMade);
  const progressOf = (p: Position, finishedAt: string | null): ObjectProgress => ({
    pages: p.pages,
    records: p.records,
    cursor: describeCursor(spec, p),
    startedAt: p.startedAt,
    finishedAt,
  });

  const pause = async (
    reason: 'daily_threshold' | 'run_budget',
    usage: ApiUsage | null,
  ): Promise<CollectObjectResult> => {
    const calls = ledger.closeOut();
    await deps.sql.begin(async (tx) => {
      await store.save(tx, position, false);
      runCalls = await recordRunProgress(
        tx,
        runId,
        object,
        await store.progress(tx, progressOf(position, null)),
        calls,
      );
    });
    deps.metrics?.quotaPaused(reason);
    const runApiCalls = runCalls;
    const collectedPages = position.pages - start.position.pages;
    const resumeAt = quotaResumeAt(
      deps.now(),
      options.timezone,
      input.quotaBackoff === true && collectedPages === 0,
    ).toISOString();
    log.info('collection paused for quota', {
      reason,
      used: usage?.used,
      max: usage?.max,
      threshold,
      runApiCalls,
      resumeAt,
    });
    return {
      outcome: 'quota_paused',
      reason,
      used: usage?.used ?? 0,
      max: usage?.max ?? 0,
      observedAt: usage?.observedAt ?? deps.now().toISOString(),
      thresholdPercent: threshold,
      runApiCalls,
      collectedPages,
      resumeAt,
    };
  };

  // Heartbeat between pages too, so a slow Salesforce page (up to the request timeout) never looks like a dead
  // worker to a short heartbeatTimeout; the details stay the last written cursor.
  let beat: CollectionHeartbeat = {
    pages: position.pages,
    records: position.records,
    lastAt: position.lastAt,
    lastId: position.lastId,
  };
  const keepAlive = setInterval(() => {
    if (Date.now() - lastProgressAt < STALLED_AFTER_MS) ctx.heartbeat(beat);
  }, KEEP_ALIVE_MS);
  // Salesforce's window is rolling, so after a pause the re-check decides, not the clock or a cached figure.
  let recheck = input.recheckQuota === true;
  /** Whether the next call would break the quota guard; asked before every page request. */
  const quotaStop = async (): Promise<{
    reason: 'daily_threshold' | 'run_budget';
    usage: ApiUsage | null;
  } | null> => {
    // Every call is booked against the run budget before it is made (RunCallLedger), /limits reads included.
    const book = async () => {
      const booking = await ledger.reserve(deps.sql);
      if (booking.runCalls !== null) runCalls = booking.runCalls;
      return booking.allowed;
    };
    if (!(await book())) return { reason: 'run_budget', usage: client.lastUsage };
    const known = client.lastUsage;
    let usage: ApiUsage;
    if (recheck || !known || Math.abs(deps.now().getTime() - Date.parse(known.observedAt)) > USAGE_FRESH_MS) {
      // The /limits read spends the booking (unless a shared read made the call); the page needs its own.
      usage = await readUsage();
      if (!(await book())) return { reason: 'run_budget', usage: client.lastUsage };
    } else {
      usage = known;
    }
    // Calls other segments of this org have in flight from this worker are spent already, whatever the last
    // figure says: counting them keeps parallel segments from passing the threshold together.
    const committed = { used: usage.used + client.callsInFlight, max: usage.max };
    return atThreshold(committed, threshold) ? { reason: 'daily_threshold', usage } : null;
  };
  const readUsage = async (): Promise<ApiUsage> => {
    if (recheck) {
      // A re-check after a wake-up reads anew, once for every parallel segment woken by the same wake-up.
      const read = await client.limits(signal, input.recheckKey ? { shareKey: input.recheckKey } : {});
      recheck = false;
      // A shared read may be older than what other segments' pages have reported since: judge the newest.
      return client.lastUsage ?? read;
    }
    // Parallel segments of the org refreshing a stale figure at the same moment share one /limits read.
    const read = await client.limits(signal, { sharedWithinMs: SHARED_LIMITS_READ_MS });
    return client.lastUsage ?? read;
  };
  // The next page is requested while the current one is written, so Salesforce and PostgreSQL work at the
  // same time; at most two pages are in memory, and the guard still runs before every request.
  let prefetched: { from: Position; page: Promise<QueryResult> } | null = null;
  const permits = new PagePermits(deps.pageBudget);
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;

      let page: QueryResult;
      try {
        if (prefetched?.from === position) {
          page = await prefetched.page;
        } else {
          if (prefetched) permits.giveBack(); // a prefetch for a position we left: its page is dropped
          // Quota guard, before every page: never start a call we are not allowed to make.
          const stop = await quotaStop();
          if (stop) return await pause(stop.reason, stop.usage);
          await permits.take(signal);
          page = await fetchPage(client, spec, position, options.pageSize, signal);
        }
        lastProgressAt = Date.now();
      } catch (error) {
        permits.giveBack();
        if (error instanceof InvalidQueryLocatorError && position.nextRecordsUrl) {
          // Locators last two days (API v56+) but can still expire or vanish: re-query after the last written row.
          // A full re-read starts over instead: it is small, and its deletions must not depend on how Salesforce
          // orders Ids against `Id > 'x'` (rows already written keep this run's id, so nothing is lost).
          log.info('query locator no longer valid; re-querying', {
            cursor: describeCursor(spec, position),
            from: spec.keyset ? 'keyset' : 'start',
          });
          position = spec.keyset
            ? { ...position, nextRecordsUrl: null }
            : { ...position, nextRecordsUrl: null, lastId: null, records: 0 };
          continue;
        }
        throw error;
      } finally {
        prefetched = null;
      }

      const rows = page.records.map((record, index) => parseRecord(spec, record, position.records + index));
      const next = advance(spec, position, rows, page);
      // No prefetch past the end of the slice: a page fetched for nobody would be a call spent for nothing.
      const sliceOver = Date.now() >= sliceEndsAt;
      if (!page.done && !sliceOver && next.nextRecordsUrl && !(await quotaStop()) && permits.tryTake()) {
        const request = fetchPage(client, spec, next, options.pageSize, signal);
        // Awaited in the next iteration; until then a failure must not count as unhandled.
        request.catch(() => {});
        prefetched = { from: next, page: request };
      }
      const calls = ledger.unbooked();
      const finishedAt = page.done ? deps.now().toISOString() : null;
      let passDone = false;
      await deps.sql.begin(async (tx) => {
        if (rows.length > 0) await spec.upsert(tx, integrationId, runId, rows);
        passDone = page.done ? await store.finish(tx, next) : (await store.save(tx, next, false), false);
        const progress = await store.progress(tx, progressOf(next, passDone ? finishedAt : null));
        runCalls = await recordRunProgress(tx, runId, object, progress, calls.add);
        if (passDone) await store.close(tx);
      });
      permits.giveBack();
      ledger.booked(calls);
      deps.metrics?.pageWritten(object, rows.length);
      position = next;
      beat = {
        pages: position.pages,
        records: position.records,
        lastAt: position.lastAt,
        lastId: position.lastId,
      };
      lastProgressAt = Date.now();
      ctx.heartbeat(beat);

      if (page.done) {
        const last = client.lastUsage;
        log.info(passDone ? 'pass completed' : 'segment completed', {
          pages: position.pages,
          records: position.records,
          calls: client.callsMade,
        });
        return {
          outcome: 'completed',
          pages: position.pages,
          records: position.records,
          apiCalls: client.callsMade,
          usage: last ? { used: last.used, max: last.max } : null,
        };
      }
      if (sliceOver) return { outcome: 'yielded', pages: position.pages, records: position.records };
    }
  } catch (error) {
    if (error instanceof SalesforceDailyLimitError) {
      const known = client.lastUsage;
      return await pause('daily_threshold', {
        used: error.used ?? known?.used ?? 0,
        max: error.max ?? known?.max ?? 0,
        observedAt: deps.now().toISOString(),
      });
    }
    // Keep the run's spend accurate across retries, so the run budget counts calls of failed attempts too.
    await recordRunCalls(deps.sql, runId, ledger.closeOut()).catch((e: unknown) =>
      log.warn('could not record API calls of a failed attempt', { error: e }),
    );
    if (!signal.aborted) log.warn('collection attempt failed', { error, pages: position.pages });
    const failure = toActivityFailure(error);
    // One pass is one activity with one attempt counter, so the retry back-off would keep growing through
    // a long pass even though each attempt wrote pages. After progress, the next attempt starts soon again.
    if (
      position.pages > start.position.pages &&
      failure instanceof ApplicationFailure &&
      !failure.nonRetryable &&
      !failure.nextRetryDelay
    ) {
      throw ApplicationFailure.create({
        message: failure.message,
        type: failure.type ?? undefined,
        details: failure.details as unknown[],
        cause: failure.cause,
        nextRetryDelay: '2 seconds',
      });
    }
    throw failure;
  } finally {
    clearInterval(keepAlive);
    permits.giveBackAll();
    // A booking left unspent (a prefetch that did not happen) goes back to the run's budget.
    const left = ledger.closeOut();
    if (left !== 0)
      await recordRunCalls(deps.sql, runId, left).catch((e: unknown) =>
        log.warn('could not give back unspent API call bookings', { error: e }),
      );
  }
}

function fetchPage(
  client: ReturnType<ActivityDependencies['salesforce']>,
  spec: ObjectSpec<unknown>,
  position: Position,
  batchSize: number,
  signal: AbortSignal,
): Promise<QueryResult> {
  if (position.nextRecordsUrl) return client.queryMore(position.nextRecordsUrl, { batchSize, signal });
  return client.query(spec.soql(keysetWhere(spec, position)), { batchSize, signal });
}

function parseRecord(spec: ObjectSpec<unknown>, record: unknown, index: number): unknown {
  try {
    return spec.parse(record);
  } catch (error) {
    // A record we cannot map is a contract change on Salesforce's side: retrying would not help. The message
    // names the fields, never their values.
    const issues = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
    const detail =
      issues?.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ') ?? String(error);
    throw ApplicationFailure.nonRetryable(
      `Unexpected ${spec.object} record #${index + 1} from Salesforce (${detail})`,
      'UnexpectedSalesforceRecord',
    );
  }
}

/** Where one attempt reads its place from and writes it to: the object's cursor, or one segment of it. */
interface PassStore {
  start: { position: Position; resumed: 'database' | 'heartbeat' | null };
  save(tx: SqlHandle, position: Position, finished: boolean): Promise<void>;
  /** After the last page, in its transaction: true when the object's whole pass is complete. */
  finish(tx: SqlHandle, position: Position): Promise<boolean>;
  /** The object's progress for the run (a segment reports the sum over all segments). */
  progress(tx: SqlHandle, own: ObjectProgress): Promise<ObjectProgress>;
  /** After the completing transaction's progress was recorded. */
  close(tx: SqlHandle): Promise<void>;
}

async function openPass(
  deps: ActivityDependencies,
  input: CollectObjectInput,
  spec: ObjectSpec<unknown>,
  options: IntegrationOptions,
  run: RunRow,
  heartbeatDetails: unknown,
): Promise<{ store: PassStore } | { finished: { pages: number; records: number } }> {
  const { integrationId, runId, object, segment } = input;
  const done = run.progress[object]?.finishedAt ? run.progress[object] : null;
  if (done) return { finished: done };
  const log = deps.logger.child({ integrationId, runId, object });
  if (segment === undefined) {
    const cursor = await loadCursor(deps.sql, integrationId, object);
    const start = startingPosition({
      spec,
      cursor,
      runId,
      kind: input.kind,
      options,
      now: deps.now(),
      heartbeatDetails,
    });
    const store: PassStore = {
      start,
      save: (tx, position) => savePosition(tx, integrationId, object, runId, position),
      async finish(tx, position) {
        const removed = spec.deleteUnseen ? await spec.deleteUnseen(tx, integrationId, runId) : 0;
        if (removed > 0) log.info('removed rows no longer in Salesforce', { removed });
        await completePass(tx, integrationId, object, runId, newWatermark(spec, cursor, position));
        return true;
      },
      progress: async (_tx, own) => own,
      close: async () => {},
    };
    return { store };
  }
  const row = await loadSegment(deps.sql, integrationId, object, segment);
  // A missing segment belongs to a pass that completed (segments are dropped when the watermark moves); the
  // workflow plans again after its segments and sees whether the pass is really done.
  if (!row || row.finished)
    return { finished: { pages: row?.position.pages ?? 0, records: row?.position.records ?? 0 } };
  const { position } = row;
  const store: PassStore = {
    start: { position, resumed: position.pages > 0 ? 'database' : null },
    save: (tx, p, isFinished) => saveSegment(tx, integrationId, object, segment, p, isFinished),
    async finish(tx, p) {
      await saveSegment(tx, integrationId, object, segment, p, true);
      const pass = await allSegmentsFinished(tx, integrationId, object);
      if (!pass.done) return false;
      const cursor = await loadCursor(tx as unknown as Sql, integrationId, object);
      const watermark =
        pass.watermark &&
        !(cursor?.watermarkAt && pass.watermark.at < new Date(cursor.watermarkAt).toISOString())
          ? pass.watermark
          : null;
      await completePass(tx, integrationId, object, runId, watermark);
      return true;
    },
    progress: (tx, own) => segmentedProgress(tx, integrationId, object, own.finishedAt, own),
    close: (tx) => dropSegments(tx, integrationId, object),
  };
  return { store };
}

/** The pass's highest (timestamp, Id), if it saw any row and it does not move the watermark backwards. */
function newWatermark(
  spec: ObjectSpec<unknown>,
  cursor: { watermarkAt: string | null } | null,
  position: Position,
): { at: string; id: string } | null {
  if (!spec.keyset || position.records === 0 || !position.lastAt || !position.lastId) return null;
  if (cursor?.watermarkAt && position.lastAt < new Date(cursor.watermarkAt).toISOString()) return null;
  return { at: position.lastAt, id: position.lastId };
}
