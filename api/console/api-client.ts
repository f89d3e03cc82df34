import type { Session } from '../routes/session';

/**
 * The console's only way to data: the public /v1 API of the same app, called in-process with the browser's own
 * API key (`app.request`). So the console sees exactly what an API client sees: same auth, tenancy, rate
 * limit, validation and error envelope. There is no private back door.
 */
/** `env` is the browser request's own (its socket), so the API sees the browser's address, e.g. for auth limits. */
export type Fetcher = (path: string, init: RequestInit, env: unknown) => Response | Promise<Response>;

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Array<{ path: string; message: string }>;
  requestId?: string;
}

export type ApiResult<T> =
  { ok: true; status: number; body: T } | { ok: false; status: number; error: ApiErrorBody };

export type { Session };

export class ConsoleApi {
  constructor(
    private readonly fetcher: Fetcher,
    private readonly authorization: string,
    private readonly env: unknown,
  ) {}

  get<T>(path: string): Promise<ApiResult<T>> {
    return this.call<T>('GET', path);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const res = await this.fetcher(
      path,
      {
        method,
        headers: {
          authorization: this.authorization,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      },
      this.env,
    );
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok) return { ok: true, status: res.status, body: parsed as T };
    const error = (parsed as { error?: ApiErrorBody } | undefined)?.error ?? {
      code: 'unknown',
      message: `The API answered ${res.status}`,
    };
    return { ok: false, status: res.status, error };
  }

  /** Who is signed in and what the key may do (GET /v1/session). */
  session(): Promise<ApiResult<Session>> {
    return this.get<Session>('/v1/session');
  }
}

/** A read key sees no action buttons (the API refuses its writes with 403 insufficient_scope anyway). */
export function canAct(session: Session | undefined): boolean {
  return session?.key.scope === 'admin';
}
