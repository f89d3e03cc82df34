import postgres from 'postgres';

export type Sql = postgres.Sql;
/** A pool or an open transaction: for helpers that callers may run inside `sql.begin`. */
export type Queryable = postgres.Sql | postgres.TransactionSql;

/**
 * to_char format giving a timestamptz as the microsecond UTC text a keyset cursor carries (API listings and
 * insight reports alike). Compare it back with `${key}::text::timestamptz`: postgres.js serialises a parameter
 * the server types as timestamptz through a JavaScript Date, which would drop the microseconds.
 */
export const CURSOR_TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  applicationName: string;
  /**
   * Server-side bounds for the worker: a statement or an idle transaction that hangs (lock wait, half-open
   * socket) fails instead of holding an activity — and its slot — for hours.
   */
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
}

/** One lazily connecting pool per process, created by the composition root and passed down. */
export function createSql({
  url,
  poolSize = 10,
  applicationName,
  statementTimeoutMs,
  idleInTransactionTimeoutMs,
}: DatabaseOptions): Sql {
  return postgres(url, {
    max: poolSize,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: {
      application_name: applicationName,
      ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
      ...(idleInTransactionTimeoutMs
        ? { idle_in_transaction_session_timeout: idleInTransactionTimeoutMs }
        : {}),
    },
    types: {
      // count(*) and sum() are int8; our counts stay far below 2^53, so plain numbers are safe and simpler.
      int8AsNumber: {
        to: 20,
        from: [20],
        serialize: (v: number) => String(v),
        parse: (v: string) => Number(v),
      },
    },
  });
}
