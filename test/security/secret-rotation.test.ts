import { createCipheriv, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, parseAdminCommand, runAdminCommand } from '../../api/admin/commands';
import { loadIntegration } from '../../activities/integration-repository';
import { withDatabase } from '../support/global-setup';
import { createSql, type Sql } from '../../platform/database';
import { applyMigrations } from '../../platform/migrate';
import {
  createSecretBox,
  SecretKeyConfigError,
  verifySecretKeys,
  type SecretBox,
} from '../../platform/secrets';
import { createTestIntegration } from '../support/factories';

/**
 * M5 and L8: key ids are checked against the database (a reused id for a new key is refused at start-up),
 * `npm run admin -- secrets rotate` re-encrypts every secret under the new key and binds it to its
 * integration, and a bound ciphertext moved to another row does not decrypt.
 */
const run = promisify(execFile);
const newKey = () => randomBytes(32).toString('base64');
const org = (secret: string) => ({
  salesforceUrl: 'https://acme.my.salesforce.com',
  consumerKey: '3MVG9-key',
  consumerSecret: secret,
});

let sql: Sql;
let databaseUrl: string;

beforeAll(async () => {
  // A database of its own: the canary table is global, and other files use other keys under the id "test".
  const admin = createSql({ url: inject('postgresAdminUrl'), poolSize: 1, applicationName: 'secrets-test' });
  const name = `ic_secrets_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  databaseUrl = withDatabase(inject('postgresAdminUrl'), name);
  await applyMigrations(databaseUrl);
  sql = createSql({ url: databaseUrl, poolSize: 3, applicationName: 'secrets-test' });
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
});

/** A row as written before binding existed: AES-GCM without additional data, consumer_secret_bound false. */
async function legacyRow(keyId: string, key: string, secret: string): Promise<string> {
  const box = createSecretBox({ id: keyId, key });
  const { integrationId } = await createTestIntegration(sql, { secrets: box, org: org(secret) });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64'), iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  await sql`
    update integrations
    set consumer_secret_ciphertext = ${Buffer.concat([iv, body, cipher.getAuthTag()])},
        consumer_secret_bound = false
    where id = ${integrationId}`;
  return integrationId;
}

async function secretOf(box: SecretBox, integrationId: string): Promise<string> {
  return (await loadIntegration({ sql, secrets: box }, integrationId)).connection.consumerSecret;
}

describe('secrets key rotation', () => {
  it('rotate moves legacy and old-key secrets to the new key, bound; a second run has nothing to do', async () => {
    const k1 = newKey();
    const oldBox = createSecretBox({ id: 'k1', key: k1 });
    await verifySecretKeys(sql, oldBox);
    const legacy = await Promise.all([1, 2, 3].map((i) => legacyRow('k1', k1, `legacy-secret-${i}`)));
    const recent = (await createTestIntegration(sql, { secrets: oldBox, org: org('recent-secret') }))
      .integrationId;

    const k2 = newKey();
    const box = createSecretBox({ id: 'k2', key: k2 }, `k1:${k1}`);
    await verifySecretKeys(sql, box);
    const out: string[] = [];
    const err: string[] = [];
    const exec = () =>
      runAdminCommand(
        sql,
        parseAdminCommand(['secrets', 'rotate', '--batch-size', '2']),
        (l) => out.push(l),
        (l) => err.push(l),
        box,
      );
    expect(await exec()).toBe(EXIT_OK);
    expect(out.join('\n')).toMatch(/Re-encrypted 4 consumer secret\(s\) under key "k2"/);
    expect(out.join('\n')).toMatch(/can be removed/);
    const rows = await sql<{ consumer_secret_key_id: string; consumer_secret_bound: boolean }[]>`
      select consumer_secret_key_id, consumer_secret_bound from integrations`;
    expect(rows.every((r) => r.consumer_secret_key_id === 'k2' && r.consumer_secret_bound)).toBe(true);

    // Readable with the new key alone: the old one can be removed from SECRETS_PREVIOUS_KEYS.
    const newOnly = createSecretBox({ id: 'k2', key: k2 });
    for (const [i, id] of legacy.entries())
      expect(await secretOf(newOnly, id)).toBe(`legacy-secret-${i + 1}`);
    expect(await secretOf(newOnly, recent)).toBe('recent-secret');

    out.length = 0;
    expect(await exec()).toBe(EXIT_OK);
    expect(out.join('\n')).toMatch(/Re-encrypted 0 /);
  });

  it('rows on a key that is not configured are reported and the command fails', async () => {
    const lost = newKey();
    await legacyRow('k0', lost, 'orphan-secret');
    const box = createSecretBox({ id: 'k3', key: newKey() });
    const err: string[] = [];
    const code = await runAdminCommand(
      sql,
      { kind: 'secrets rotate', batchSize: 50 },
      () => {},
      (l) => err.push(l),
      box,
    );
    expect(code).toBe(EXIT_FAILED);
    expect(err.join('\n')).toMatch(/1 secret\(s\) remain on key "k0", which is not configured/);
    expect(err.join('\n')).not.toContain(lost);
    await sql`delete from integrations where consumer_secret_key_id = 'k0'`;
  });

  it('a key id reused for a different key is refused before any secret is touched, and the key is never printed', async () => {
    const box = createSecretBox({ id: 'k4', key: newKey() });
    await verifySecretKeys(sql, box);
    const impostorKey = newKey();
    const impostor = createSecretBox({ id: 'k4', key: impostorKey });
    await expect(verifySecretKeys(sql, impostor)).rejects.toThrow(SecretKeyConfigError);
    await expect(verifySecretKeys(sql, impostor)).rejects.toThrow(
      /"k4" \(SECRETS_KEY\) is not the key that encrypted[\s\S]*SECRETS_KEY_ID=k5[\s\S]*secrets rotate/,
    );

    // The same check at a process's start: `npm run admin -- secrets status` exits 1 with the reason.
    const env = { ...process.env, DATABASE_URL: databaseUrl, SECRETS_KEY: impostorKey, SECRETS_KEY_ID: 'k4' };
    const failed = await run('npx', ['tsx', 'api/admin-cli.ts', 'secrets', 'status'], { env }).catch(
      (e: unknown) => e as { code: number; stdout: string; stderr: string },
    );
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/is not the key that encrypted/) });
    expect(JSON.stringify(failed)).not.toContain(impostorKey);
  });

  it('refuses duplicate or malformed key ids naming the variable', () => {
    const k = newKey();
    expect(() => createSecretBox({ id: 'k1', key: k }, `k1:${k}`)).toThrow(/"k1" is given twice/);
    expect(() => createSecretBox({ id: 'k1', key: k }, `k0:${k},k0:${k}`)).toThrow(/SECRETS_PREVIOUS_KEYS/);
    expect(() => createSecretBox({ id: 'bad id', key: k })).toThrow(/SECRETS_KEY_ID/);
  });

  it('a bound ciphertext copied onto another integration does not decrypt there', async () => {
    const box = createSecretBox({ id: 'k6', key: newKey() });
    const victim = (await createTestIntegration(sql, { secrets: box, org: org('victim-secret') }))
      .integrationId;
    const attacker = (await createTestIntegration(sql, { secrets: box, org: org('attacker-secret') }))
      .integrationId;
    await sql`
      update integrations set consumer_secret_ciphertext = v.consumer_secret_ciphertext
      from (select consumer_secret_ciphertext from integrations where id = ${victim}) v
      where integrations.id = ${attacker}`;
    await expect(secretOf(box, attacker)).rejects.toThrow(/Cannot decrypt the consumer secret/);
    expect(await secretOf(box, victim)).toBe('victim-secret');
  });
});
