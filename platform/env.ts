import type { LocalSalesforceUrls } from './salesforce-url';
import { z } from 'zod';

/**
 * The one place the process environment is read. Every variable the product understands is listed here
 * (and in .env.example); a missing or malformed value stops the process with a message naming it.
 */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

const secretsKey = z
  .string()
  .refine(
    (v) => Buffer.from(v, 'base64').length === 32,
    'must be 32 bytes encoded as base64 (openssl rand -base64 32)',
  );

export const environmentSchema = z.object({
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  EMBEDDED_POSTGRES_PORT: port.default(54329),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('identity-collector'),
  TEMPORAL_TLS: booleanFlag.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Base URL of the Temporal Web UI; the console links each integration's workflow there. */
  TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).optional(),
  TEMPORAL_RETENTION: z
    .string()
    .regex(/^\d+h$/, 'must be a number of hours, e.g. 720h')
    .default('720h'),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(65536),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Failed authentications per client address per minute before 429 (shared by clients behind one proxy). */
  API_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  /** Longest statement of a standard request (listings, status, actions). */
  API_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Longest statement of a report or export (api/endpoint-classes.ts), on its own small pool. */
  API_REPORT_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(120_000),
  API_REPORT_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(3),
  /** Active integrations one tenant may have: each holds a workflow, a schedule and collection capacity. */
  MAX_INTEGRATIONS_PER_TENANT: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Reports or exports one tenant may run at once. */
  API_REPORTS_PER_TENANT: z.coerce.number().int().min(1).max(100).default(4),

  SECRETS_KEY: secretsKey.optional(),
  SECRETS_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, _ or -')
    .default('k1'),
  SECRETS_PREVIOUS_KEYS: z
    .string()
    .regex(
      /^([A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{44})(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{44})*$/,
      'must be id:base64key[,id:base64key...]',
    )
    .optional(),

  ALLOW_LOCAL_SALESFORCE_URLS: booleanFlag.default(false),
  /**
   * With ALLOW_LOCAL_SALESFORCE_URLS, the only loopback ports a local URL may name (comma-separated). Unset: any
   * port, for test harnesses; `npm start` sets its simulator's port.
   */
  LOCAL_SALESFORCE_PORTS: z
    .string()
    .regex(/^\d{1,5}(,\d{1,5})*$/, 'must be a comma-separated list of ports, e.g. 4010 or 4010,4011')
    .transform((v) => v.split(',').map(Number))
    .optional(),
  /** Whether this worker keeps the reconciler schedule (restores lost workflows every 10 minutes). */
  RECONCILER_ENABLED: booleanFlag.default(true),
  /** Interactive activity slots (Test Connectivity, run bookkeeping, schedules) per worker process. */
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(1000).default(20),
  /** Bulk collection slots per worker process; each holds at most two pages (~2 × 2,000 rows) in memory. */
  WORKER_MAX_COLLECTION_ACTIVITIES: z.coerce.number().int().min(1).max(1000).default(8),
  /**
   * Salesforce pages the collection slots hold in memory at once (default: one per slot). Above the slot count,
   * the spare permits let busy slots fetch their next page while writing the current one.
   */
  WORKER_MAX_PAGES_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).optional(),
  /** How long one collection activity pages before yielding its slot to the next org (fair share). */
  COLLECTION_SLICE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** The worker's health and Prometheus endpoint (GET /healthz, GET /metrics); port 0 picks a free port. */
  WORKER_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_HTTP_PORT: port.default(9464),

  SIMULATOR_PORT: port.default(4010),
  DEMO_ORG: booleanFlag.default(true),
});

export type Environment = z.infer<typeof environmentSchema>;

/**
 * ALLOW_LOCAL_SALESFORCE_URLS alone, parsed by the same rule as the full schema; anything unparseable is
 * "off", the safe side. For components that must agree with the API on local mode without taking the whole
 * environment (the Salesforce client factory's default).
 */
export function localSalesforceUrlsAllowed(source: Record<string, string | undefined>): LocalSalesforceUrls {
  const parsed = environmentSchema.shape.ALLOW_LOCAL_SALESFORCE_URLS.safeParse(
    source.ALLOW_LOCAL_SALESFORCE_URLS || undefined,
  );
  if (!parsed.success || !parsed.data) return false;
  const ports = environmentSchema.shape.LOCAL_SALESFORCE_PORTS.safeParse(
    source.LOCAL_SALESFORCE_PORTS || undefined,
  );
  // A port list that does not parse narrows to nothing rather than widening to every port.
  if (!ports.success) return [];
  return ports.data ?? true;
}

/** The local-mode policy of a parsed environment (see LocalSalesforceUrls). */
export function localSalesforceUrls(env: Environment): LocalSalesforceUrls {
  return env.ALLOW_LOCAL_SALESFORCE_URLS && (env.LOCAL_SALESFORCE_PORTS ?? true);
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

type RequiredKey = 'DATABASE_URL' | 'TEMPORAL_ADDRESS' | 'SECRETS_KEY';

const requiredHelp: Record<RequiredKey, string> = {
  DATABASE_URL: 'a postgres:// connection URL, e.g. postgres://postgres@127.0.0.1:5432/identity_collector',
  TEMPORAL_ADDRESS: 'the Temporal frontend as host:port, e.g. 127.0.0.1:7233',
  SECRETS_KEY: 'a 32-byte key encoded as base64 (openssl rand -base64 32)',
};

/**
 * Variables whose value is, or contains, a secret: a rejected one is described by its length only. A typo'd
 * key is still a key, and a DATABASE_URL carries the database password; configuration errors go to stderr and
 * from there into container logs (OWASP Logging Cheat Sheet: never log secrets or connection strings).
 */
const SENSITIVE_NAME = /KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL/;

function shown(name: string, value: string | undefined): string {
  if (value === undefined) return 'nothing';
  if (SENSITIVE_NAME.test(name)) return `a value of ${value.length} characters, not shown`;
  return JSON.stringify(value);
}

/** Parses the environment; throws ConfigurationError listing every bad or missing variable. */
export function parseEnvironment(
  source: Record<string, string | undefined>,
  required: readonly RequiredKey[] = [],
): Environment {
  // Empty strings (e.g. `FOO=` in a .env file) mean "unset", as in most twelve-factor tools.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = environmentSchema.safeParse(cleaned);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = issue.path.join('.');
      problems.push(`${name}: ${issue.message} (got ${shown(name, cleaned[name])})`);
    }
  } else {
    for (const key of required) {
      if (result.data[key] === undefined) problems.push(`${key} is required: expected ${requiredHelp[key]}`);
    }
    if (result.data.TEMPORAL_TLS_CERT_PATH && !result.data.TEMPORAL_TLS_KEY_PATH) {
      problems.push('TEMPORAL_TLS_KEY_PATH is required when TEMPORAL_TLS_CERT_PATH is set (mTLS needs both)');
    }
    if (result.data.TEMPORAL_TLS_KEY_PATH && !result.data.TEMPORAL_TLS_CERT_PATH) {
      problems.push('TEMPORAL_TLS_CERT_PATH is required when TEMPORAL_TLS_KEY_PATH is set (mTLS needs both)');
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return result.data!;
}

/** For process entry points: parse or print the problems and exit, never a stack trace. */
export function loadEnvironmentOrExit(required: readonly RequiredKey[] = []): Environment {
  try {
    return parseEnvironment(process.env, required);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(`${error.message}\nSee .env.example for every variable and its meaning.`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
