import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Sql } from './database';

/**
 * Encrypts consumer secrets at rest with AES-256-GCM. Each ciphertext is stored with the id of the key that
 * made it, so a new key can be introduced (SECRETS_KEY/SECRETS_KEY_ID) while old rows stay readable through
 * SECRETS_PREVIOUS_KEYS until `npm run admin -- secrets rotate` has re-encrypted them.
 *
 * A ciphertext is bound to its integration through GCM's additional authenticated data (NIST SP 800-38D
 * §5.2.1.2): a ciphertext copied onto another integration's row does not decrypt, so a database writer cannot
 * have one tenant's secret sent to another tenant's org.
 */
export interface SecretBox {
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  /** `boundTo`: the integration id the ciphertext belongs to (authenticated, not encrypted). */
  encrypt(plaintext: string, boundTo: string): { ciphertext: Buffer; keyId: string };
  /** `boundTo` null reads a ciphertext written before binding existed (integrations.consumer_secret_bound). */
  decrypt(ciphertext: Buffer, keyId: string, boundTo: string | null): string;
}

export class UnknownSecretKeyError extends Error {
  constructor(keyId: string) {
    super(
      `No key with id "${keyId}" is configured: add it to SECRETS_PREVIOUS_KEYS to read secrets it encrypted`,
    );
    this.name = 'UnknownSecretKeyError';
  }
}

export class SecretKeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyConfigError';
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export function createSecretBox(
  current: { id: string; key: string },
  previous: string | undefined = undefined,
): SecretBox {
  const keys = new Map<string, Buffer>();
  const add = (id: string, key: string, where: string) => {
    if (!KEY_ID.test(id))
      throw new SecretKeyConfigError(`${where}: key id "${id}" must be 1-32 letters, digits, _ or -`);
    if (keys.has(id)) {
      throw new SecretKeyConfigError(
        `${where}: key id "${id}" is given twice; every key needs its own id (the id is stored with each ciphertext)`,
      );
    }
    const bytes = Buffer.from(key, 'base64');
    if (bytes.length !== 32)
      throw new SecretKeyConfigError(
        `${where}: key "${id}" must be 32 bytes (base64 of openssl rand -base64 32)`,
      );
    keys.set(id, bytes);
  };
  add(current.id, current.key, 'SECRETS_KEY_ID/SECRETS_KEY');
  for (const entry of previous ? previous.split(',') : []) {
    const separator = entry.indexOf(':');
    add(entry.slice(0, separator), entry.slice(separator + 1), 'SECRETS_PREVIOUS_KEYS');
  }
  const keyFor = (id: string) => {
    const key = keys.get(id);
    if (!key) throw new UnknownSecretKeyError(id);
    return key;
  };
  return {
    currentKeyId: current.id,
    keyIds: [...keys.keys()],
    encrypt(plaintext, boundTo) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyFor(current.id), iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(boundTo, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]), keyId: current.id };
    },
    decrypt(ciphertext, keyId, boundTo) {
      const key = keyFor(keyId);
      if (ciphertext.length < IV_BYTES + TAG_BYTES) throw new Error('ciphertext too short');
      const iv = ciphertext.subarray(0, IV_BYTES);
      const tag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
      // authTagLength pins the tag to 16 bytes: a truncated tag is refused instead of weakening the check.
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      if (boundTo !== null) decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(ciphertext.subarray(IV_BYTES, ciphertext.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}

const CANARY_PLAINTEXT = 'identity-collector secrets key canary';
const CANARY_BINDING = 'secret_key_canaries';

/**
 * Checks, before any secret is used, that every configured key id names the key that wrote under that id:
 * each id's canary row must decrypt. Reusing `SECRETS_KEY_ID=k1` for a new key would otherwise make every
 * stored secret fail authentication one integration at a time. Records a canary for the current key if none
 * exists yet. Called by each process's composition root at start-up.
 */
export async function verifySecretKeys(sql: Sql, box: SecretBox): Promise<void> {
  const canaries = await sql<{ key_id: string; ciphertext: Buffer }[]>`
    select key_id, ciphertext from secret_key_canaries where key_id in ${sql(box.keyIds as string[])}`;
  for (const canary of canaries) {
    let plaintext: string | undefined;
    try {
      plaintext = box.decrypt(canary.ciphertext, canary.key_id, CANARY_BINDING);
    } catch {
      plaintext = undefined;
    }
    if (plaintext !== CANARY_PLAINTEXT) {
      const where = canary.key_id === box.currentKeyId ? 'SECRETS_KEY' : 'SECRETS_PREVIOUS_KEYS';
      throw new SecretKeyConfigError(
        `The key configured as "${canary.key_id}" (${where}) is not the key that encrypted this database's secrets under that id. ` +
          `To rotate, give the new key a new id (e.g. SECRETS_KEY_ID=${nextKeyId(box.keyIds)}), keep the old key in ` +
          `SECRETS_PREVIOUS_KEYS as ${canary.key_id}:<old key>, then run: npm run admin -- secrets rotate`,
      );
    }
  }
  if (!canaries.some((c) => c.key_id === box.currentKeyId)) {
    const { ciphertext } = box.encrypt(CANARY_PLAINTEXT, CANARY_BINDING);
    await sql`
      insert into secret_key_canaries (key_id, ciphertext) values (${box.currentKeyId}, ${ciphertext})
      on conflict (key_id) do nothing`;
  }
}

function nextKeyId(ids: readonly string[]): string {
  const numbers = ids
    .map((id) => /^k(\d+)$/.exec(id)?.[1])
    .filter(Boolean)
    .map(Number);
  return `k${(numbers.length ? Math.max(...numbers) : 1) + 1}`;
}

export interface RotationReport {
  reencrypted: number;
  /** Rows still not on the current key (or not bound), by key id: those whose key is not configured. */
  remaining: Record<string, number>;
}

/**
 * Re-encrypts every consumer secret that is not under the current key, or not yet bound to its integration,
 * in batches of short transactions (row locks held for one batch only, so the API and workers keep working).
 * Idempotent: a second run finds nothing to do. Rows whose key is not configured are left and reported.
 */
export async function rotateSecrets(
  sql: Sql,
  box: SecretBox,
  { batchSize = 200, onBatch = () => {} }: { batchSize?: number; onBatch?: (done: number) => void } = {},
): Promise<RotationReport> {
  let reencrypted = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const batch = await sql.begin(async (tx) => {
      const rows = await tx<
        {
          id: string;
          consumer_secret_ciphertext: Buffer;
          consumer_secret_key_id: string;
          consumer_secret_bound: boolean;
        }[]
      >`
        select id, consumer_secret_ciphertext, consumer_secret_key_id, consumer_secret_bound
        from integrations
        where id > ${after}::uuid
          and (consumer_secret_key_id <> ${box.currentKeyId} or not consumer_secret_bound)
          and consumer_secret_key_id in ${tx(box.keyIds as string[])}
        order by id
        limit ${batchSize}
        for update`;
      for (const row of rows) {
        let plaintext: string;
        try {
          plaintext = box.decrypt(
            row.consumer_secret_ciphertext,
            row.consumer_secret_key_id,
            row.consumer_secret_bound ? row.id : null,
          );
        } catch {
          // Nothing of this batch is written: fix the key (or the row) and run again.
          throw new SecretKeyConfigError(
            `The consumer secret of integration ${row.id} does not decrypt with key "${row.consumer_secret_key_id}": ` +
              'that id is configured with a different key than the one that wrote it',
          );
        }
        const sealed = box.encrypt(plaintext, row.id);
        await tx`
          update integrations
          set consumer_secret_ciphertext = ${sealed.ciphertext}, consumer_secret_key_id = ${sealed.keyId},
              consumer_secret_bound = true
          where id = ${row.id}`;
      }
      return rows;
    });
    if (batch.length === 0) break;
    reencrypted += batch.length;
    after = batch[batch.length - 1]!.id;
    onBatch(reencrypted);
  }
  const leftovers = await sql<{ key_id: string; rows: number }[]>`
    select consumer_secret_key_id as key_id, count(*) as rows from integrations
    where consumer_secret_key_id <> ${box.currentKeyId} or not consumer_secret_bound
    group by 1 order by 1`;
  return { reencrypted, remaining: Object.fromEntries(leftovers.map((r) => [r.key_id, r.rows])) };
}

/** Secrets per key id, for `npm run admin -- secrets status`. */
export async function secretKeyUsage(
  sql: Sql,
): Promise<Array<{ keyId: string; rows: number; unbound: number }>> {
  return sql`
    select consumer_secret_key_id as "keyId", count(*) as rows,
      count(*) filter (where not consumer_secret_bound) as unbound
    from integrations group by 1 order by 1`;
}

/**
 * The composition roots' entry: builds the box from the environment and verifies its keys against the
 * database. Exits the process with the reason (never the key) when the configuration cannot be right.
 */
export async function openSecretBoxOrExit(
  env: { SECRETS_KEY_ID: string; SECRETS_KEY?: string; SECRETS_PREVIOUS_KEYS?: string },
  sql: Sql,
  logger: { error(message: string, fields?: Record<string, unknown>): void },
): Promise<SecretBox> {
  try {
    const box = createSecretBox({ id: env.SECRETS_KEY_ID, key: env.SECRETS_KEY! }, env.SECRETS_PREVIOUS_KEYS);
    await verifySecretKeys(sql, box);
    return box;
  } catch (error) {
    if (!(error instanceof SecretKeyConfigError)) throw error;
    logger.error(error.message);
    process.exit(1);
  }
}
