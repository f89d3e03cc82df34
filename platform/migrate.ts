import { fileURLToPath } from 'node:url';
import shift from 'postgres-shift';
import postgres from 'postgres';

export const migrationsDirectory = fileURLToPath(new URL('../migrations', import.meta.url));

// Any constant works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK_ID = 7_204_311;

/**
 * Applies the numbered files in migrations/ with postgres-shift (forward-only, all pending files in one
 * transaction, recorded in the `migrations` table). postgres-shift takes no lock of its own, so two
 * processes starting together could both apply the same file; a session advisory lock on a one-connection
 * pool serialises them.
 */
export async function applyMigrations(
  databaseUrl: string,
  onApplied: (name: string) => void = () => {},
): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await shift({
      sql,
      path: migrationsDirectory,
      after: ({ migration_id, name }: { migration_id: number; name: string }) =>
        onApplied(`${String(migration_id).padStart(5, '0')} ${name}`),
    });
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
