/** The CLI's view of the HTTP API: JSON in, JSON out, and the API's error envelope as a typed error. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

export interface ApiTarget {
  url: string;
  key: string;
}

export function apiClient(target: ApiTarget) {
  const base = target.url.replace(/\/$/, '');
  return async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${target.key}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new ApiCallError(
        0,
        'unreachable',
        `Cannot reach the API at ${base} (${(error as Error).cause ?? (error as Error).message}). Is it running? Set --api-url or IDENTITY_COLLECTOR_API_URL.`,
        null,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; requestId?: string } })?.error;
      throw new ApiCallError(
        res.status,
        error?.code ?? `http_${res.status}`,
        error?.message ?? `The API answered HTTP ${res.status}`,
        parsed,
        error?.requestId,
      );
    }
    return parsed as T;
  };
}

export type ApiCall = ReturnType<typeof apiClient>;
