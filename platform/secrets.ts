import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encrypts consumer secrets at rest with AES-256-GCM. Each ciphertext is stored with the id of the key that
 * made it, so a new key can be introduced (SECRETS_KEY/SECRETS_KEY_ID) while old rows stay readable through
 * SECRETS_PREVIOUS_KEYS until they are re-encrypted.
 */
export interface SecretBox {
  readonly currentKeyId: string;
  encrypt(plaintext: string): { ciphertext: Buffer; keyId: string };
  decrypt(ciphertext: Buffer, keyId: string): string;
}

export class UnknownSecretKeyError extends Error {
  constructor(keyId: string) {
    super(
      `No key with id "${keyId}" is configured: add it to SECRETS_PREVIOUS_KEYS to read secrets it encrypted`,
    );
    this.name = 'UnknownSecretKeyError';
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createSecretBox(
  current: { id: string; key: string },
  previous: string | undefined = undefined,
): SecretBox {
  const keys = new Map<string, Buffer>();
  for (const entry of previous ? previous.split(',') : []) {
    const [id, key] = entry.split(':') as [string, string];
    keys.set(id, Buffer.from(key, 'base64'));
  }
  keys.set(current.id, Buffer.from(current.key, 'base64'));
  for (const [id, key] of keys) {
    if (key.length !== 32)
      throw new Error(`Secrets key "${id}" must be 32 bytes (base64 of openssl rand -base64 32)`);
  }
  return {
    currentKeyId: current.id,
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keys.get(current.id)!, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]), keyId: current.id };
    },
    decrypt(ciphertext, keyId) {
      const key = keys.get(keyId);
      if (!key) throw new UnknownSecretKeyError(keyId);
      const iv = ciphertext.subarray(0, IV_BYTES);
      const tag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(ciphertext.subarray(IV_BYTES, ciphertext.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}
