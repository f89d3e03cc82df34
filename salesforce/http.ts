import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { isIP } from 'node:net';
import { Pool, request, type Dispatcher } from 'undici';
import {
  isPublicAddress,
  NonPublicAddressError,
  publicOnlyLookup,
  type LookupFunction,
} from './address-guard';
import {
  SalesforceError,
  SalesforceRequestError,
  SalesforceSetupError,
  SalesforceTransientError,
} from './errors';

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
 * Largest response body read (compressed and decompressed). A query page of 2,000 User rows is a few MB;
 * the cap keeps one hostile or broken answer (a gzip bomb) from exhausting the memory of the worker that
 * serves every tenant (OWASP API4:2023 Unrestricted Resource Consumption).
 */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface DispatcherPoolOptions {
  /**
   * Local simulator mode: connect to loopback and private addresses. Off, every connection's resolved address
   * must be public (no DNS rebinding onto the worker's network).
   */
  allowPrivateAddresses: boolean;
  /** Name resolution, injectable so a test can stand in for a DNS answer; the system resolver otherwise. */
  resolve?: LookupFunction;
}

/**
 * Pooled keep-alive connections, one undici Pool per origin (each integration has its own My Domain), so
 * pages reuse TLS sessions instead of paying a handshake per call.
 */
export class DispatcherPool {
  readonly #pools = new Map<string, Pool>();
  readonly #lookup: LookupFunction | undefined;
  constructor(
    private readonly fixed: Dispatcher | undefined,
    private readonly options: DispatcherPoolOptions = { allowPrivateAddresses: false },
  ) {
    this.#lookup = options.allowPrivateAddresses ? undefined : publicOnlyLookup(options.resolve);
  }

  for(url: string): Dispatcher {
    if (this.fixed) return this.fixed;
    const parsed = new URL(url);
    // An address literal never goes through `lookup`, so it is judged here.
    const literal = parsed.hostname.replace(/^\[|\]$/g, '');
    if (!this.options.allowPrivateAddresses && isIP(literal) && !isPublicAddress(literal)) {
      throw refusedAddress(new NonPublicAddressError(parsed.hostname));
    }
    const origin = parsed.origin;
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: 8,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 120_000,
        ...(this.#lookup ? { connect: { lookup: this.#lookup } } : {}),
      });
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
    const raw = await readCapped(res.body, req.url, res.statusCode);
    const body = await decompress(raw, res.headers['content-encoding'], req.url, res.statusCode);
    return { status: res.statusCode, headers: res.headers, body };
  } catch (error) {
    if (req.signal?.aborted) throw req.signal.reason ?? error;
    if (timeout.aborted) {
      throw new SalesforceTransientError(`Salesforce did not answer ${where} within ${req.timeoutMs} ms`);
    }
    if (error instanceof SalesforceError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_NON_PUBLIC_ADDRESS') throw refusedAddress(error as Error);
    throw new SalesforceTransientError(
      `Connection to Salesforce failed during ${where}: ${typeof code === 'string' ? code + ' ' : ''}${(error as Error).message}`,
    );
  }
}

function refusedAddress(error: Error): SalesforceSetupError {
  return new SalesforceSetupError(
    'URL_REFUSED',
    `Refused to connect: ${error.message}. The collector only talks to Salesforce on public addresses.`,
    'Check that the org URL is the My Domain URL from Setup → My Domain and that the DNS the worker uses resolves it to Salesforce.',
  );
}

// Not retryable: the same answer would be read again.
function tooLarge(url: string, status: number): SalesforceRequestError {
  return new SalesforceRequestError(
    `Salesforce response from ${describe(url)} exceeded ${MAX_BODY_BYTES} bytes and was not read`,
    status,
    null,
  );
}

async function readCapped(body: AsyncIterable<Buffer>, url: string, status: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge(url, status);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

async function decompress(
  raw: Buffer,
  encoding: string | string[] | undefined,
  url: string,
  status: number,
): Promise<Buffer> {
  const value = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? '')).trim().toLowerCase();
  if (value === '' || value === 'identity') return raw;
  // maxOutputLength bounds a decompression bomb (Node zlib docs); it fails with ERR_BUFFER_TOO_LARGE.
  const limits = { maxOutputLength: MAX_BODY_BYTES };
  try {
    if (value === 'gzip' || value === 'x-gzip') return await gunzipAsync(raw, limits);
    if (value === 'deflate') return await inflateAsync(raw, limits);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(url, status);
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
