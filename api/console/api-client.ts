/**
 * The console's only way to data: the public /v1 API of the same app, called in-process with the browser's own
 * API key (`app.request`). So the console sees exactly what an API client sees: same auth, tenancy, rate
 * limit, validation and error envelope. There is no private back door.
 */
export type Fetcher = (path: string, init: RequestInit) => Response | Promise<Response>;

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Array<{ path: string; message: string }>;
  requestId?: string;
}

export type ApiResult<T> =
  { ok: true; status: number; body: T } | { ok: false; status: number; error: ApiErrorBody };

export interface Session {
  tenant: { id: string; name: string } | null;
  key: { id: string; name: string; scope: 'admin' | 'read' } | null;
}

export class ConsoleApi {
  constructor(
    private readonly fetcher: Fetcher,
    private readonly authorization: string,
  ) {}

  get<T>(path: string): Promise<ApiResult<T>> {
    return this.call<T>('GET', path);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const res = await this.fetcher(path, {
      method,
      headers: {
        authorization: this.authorization,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
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

  /**
   * Who is signed in and what the key may do. A read key sees no action buttons (the API refuses its writes
   * with 403 anyway). An API without /v1/session (older deployment) is treated as a full-access key.
   */
  async session(): Promise<ApiResult<Session>> {
    const result = await this.get<Session>('/v1/session');
    if (!result.ok && result.status === 404) {
      return { ok: true, status: 200, body: { tenant: null, key: null } };
    }
    return result;
  }
}

export function canAct(session: Session): boolean {
  return session.key?.scope !== 'read';
}
