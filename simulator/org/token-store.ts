import { randomBytes } from 'node:crypto';

export interface Session {
  token: string;
  userRow: number;
  issuedAt: number;
  lastUsedAt: number;
}

/**
 * Access tokens are sessions: they expire after the org's session timeout of inactivity, and "if you make
 * an API call, the inactivity timer is reset to zero" (SOAP API guide, error handling). There is no
 * refresh token in the client credentials flow; clients request a new token.
 */
export interface TokenStore {
  issue(userRow: number, now: number): Session;
  /** The live session for a token, touching its inactivity timer; undefined if unknown, expired or revoked. */
  use(token: string, now: number): Session | undefined;
  revokeAll(): number;
  size(): number;
}

export function createTokenStore(orgId15: string, timeoutMs: () => number): TokenStore {
  const sessions = new Map<string, Session>();
  return {
    issue(userRow, now) {
      for (const [token, session] of sessions)
        if (now - session.lastUsedAt > timeoutMs()) sessions.delete(token);
      // Access tokens start with the 15-character org id and "!" (OAuth client credentials example).
      const token = `${orgId15}!${randomBytes(72).toString('base64url').replace(/[-_]/g, 'A').slice(0, 96)}`;
      const session = { token, userRow, issuedAt: now, lastUsedAt: now };
      sessions.set(token, session);
      return session;
    },
    use(token, now) {
      const session = sessions.get(token);
      if (!session) return undefined;
      if (now - session.lastUsedAt > timeoutMs()) {
        sessions.delete(token);
        return undefined;
      }
      session.lastUsedAt = now;
      return session;
    },
    revokeAll() {
      const count = sessions.size;
      sessions.clear();
      return count;
    },
    size: () => sessions.size,
  };
}
