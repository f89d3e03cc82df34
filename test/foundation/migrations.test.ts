import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { applyMigrations, migrationsDirectory } from '../../platform/migrate';
import { withDatabase } from '../support/global-setup';

describe('migrations', () => {
  it('apply from an empty database, record every file, and are idempotent on a second run', async () => {
    const admin = postgres(inject('postgresAdminUrl'), { max: 1, onnotice: () => {} });
    const name = `ic_migrate_${Date.now()}_${randomBytes(3).toString('hex')}`;
    await admin.unsafe(`create database ${name}`);
    try {
      const url = withDatabase(inject('postgresAdminUrl'), name);
      const applied: string[] = [];
      await applyMigrations(url, (m) => applied.push(m));
      const files = readdirSync(migrationsDirectory).filter((f) => /^\d{5}_.*\.sql$/.test(f));
      expect(applied).toHaveLength(files.length);

      await applyMigrations(url, (m) => applied.push(m));
      expect(applied).toHaveLength(files.length);

      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const recorded = await sql`select migration_id from migrations order by migration_id`;
      expect(recorded.map((r) => r.migration_id)).toEqual(files.map((_, i) => i + 1));
      const tables =
        await sql`select count(*)::int as count from information_schema.tables where table_name = 'sf_login_history'`;
      expect(tables[0]?.count).toBe(1);
      await sql.end();
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
