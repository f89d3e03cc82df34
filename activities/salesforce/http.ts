import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { Pool, request, type Dispatcher } from 'undici';
import { SalesforceTransientError } from './errors';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Decompressed body; one page at most, so buffering it is fine. */
  body: Buffer;
}

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
}

/**
 * Pooled keep-alive connections, one undici Pool per origin (each integration has its own My Domain), so
 * pages reuse TLS sessions instead of paying a handshake per call.
 */
export class DispatcherPool {
  readonly #pools = new Map<string, Pool>();
  constructor(private readonly fixed: Dispatcher | undefined) {}

  for(url: string): Dispatcher {
    if (this.fixed) return this.fixed;
    const origin = new URL(url).origin;
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: 8, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000 });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }
}

/**
 * One HTTP exchange. Network failures, timeouts and bodies cut short become SalesforceTransientError (the
 * activity's retry policy retries them); the caller's own cancellation is re-thrown as it is so Temporal sees a
 * cancelled activity, not a failure.
 */
export async function send(dispatcher: Dispatcher, req: HttpRequest): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const where = describe(req.url);
  try {
    const res = await request(req.url, {
      dispatcher,
      method: req.method,
      headers: req.headers,
      body: req.body ?? null,
      signal,
    });
    const raw = Buffer.from(await res.body.arrayBuffer());
    const body = await decompress(raw, res.headers['content-encoding']);
    return { status: res.statusCode, headers: res.headers, body };
  } catch (error) {
    if (req.signal?.aborted) throw req.signal.reason ?? error;
    if (timeout.aborted) {
      throw new SalesforceTransientError(`Salesforce did not answer ${where} within ${req.timeoutMs} ms`);
    }
    if (error instanceof SalesforceTransientError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new SalesforceTransientError(
      `Connection to Salesforce failed during ${where}: ${typeof code === 'string' ? code + ' ' : ''}${(error as Error).message}`,
    );
  }
}

async function decompress(raw: Buffer, encoding: string | string[] | undefined): Promise<Buffer> {
  const value = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? '')).trim().toLowerCase();
  if (value === '' || value === 'identity') return raw;
  try {
    if (value === 'gzip' || value === 'x-gzip') return await gunzipAsync(raw);
    if (value === 'deflate') return await inflateAsync(raw);
  } catch (error) {
    // A gzip stream cut short is the usual sign of a dropped connection mid-body.
    throw new SalesforceTransientError(
      `Salesforce response body was truncated or corrupt: ${(error as Error).message}`,
    );
  }
  return raw;
}

/** Method-free, query-free description of an endpoint for messages (a SOQL string may be long). */
export function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname.replace(/\/query\/[^/]+$/, '/query/<locator>');
  } catch {
    return 'request';
  }
}

export function header(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
