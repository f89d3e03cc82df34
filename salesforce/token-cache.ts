import type { SalesforceToken } from './token';

/**
 * Worker-memory cache of client-credentials tokens, keyed by integration and credentials version (new
 * credentials must never reuse an old token). Single-flight: concurrent activities of one integration share
 * one in-flight mint instead of each logging in (every login is a LoginHistory row in the customer's org).
 */
export class TokenCache {
  readonly #entries = new Map<string, { promise: Promise<SalesforceToken>; token?: SalesforceToken }>();
  /** Tokens minted through this cache, for tests and metrics. */
  mints = 0;

  static key(integrationId: string, credentialsVersion: number): string {
    return `${integrationId}#${credentialsVersion}`;
  }

  get(key: string, mint: () => Promise<SalesforceToken>): Promise<SalesforceToken> {
    const existing = this.#entries.get(key);
    if (existing) return existing.promise;
    this.mints += 1;
    // New credentials supersede the old ones: drop their tokens so worker memory holds one per integration.
    const integration = key.slice(0, key.lastIndexOf('#') + 1);
    for (const other of this.#entries.keys()) {
      if (other !== key && other.startsWith(integration)) this.#entries.delete(other);
    }
    const entry: { promise: Promise<SalesforceToken>; token?: SalesforceToken } = {
      promise: mint().then(
        (token) => {
          entry.token = token;
          return token;
        },
        (error: unknown) => {
          // A failed mint is not cached: the next attempt (a Temporal retry) tries again.
          if (this.#entries.get(key) === entry) this.#entries.delete(key);
          throw error;
        },
      ),
    };
    this.#entries.set(key, entry);
    return entry.promise;
  }

  /**
   * Drops the cached token if it is still the one that was rejected; when another caller already replaced it
   * the newer token is kept, so N activities hitting the same 401 cause one re-mint, not N.
   */
  invalidate(key: string, rejected: SalesforceToken): void {
    const entry = this.#entries.get(key);
    if (entry?.token === rejected) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
