import { Command, InvalidArgumentError, Option } from 'commander';
import { apiClient, ApiCallError, type ApiCall } from './http';
import { liveBlock, progressLines, type IntegrationDetail } from './progress';

/**
 * `npm run cli -- …`: the HTTP API from a terminal or a script. Human-readable output by default, the API's
 * JSON with --json; exit code 0 on success, 1 when the API refuses or a followed run fails.
 */
interface GlobalOptions {
  apiUrl: string;
  key?: string;
  json?: boolean;
}

const program = new Command()
  .name('identity-collector')
  .description('Manage Salesforce integrations through the identity-collector HTTP API.')
  .addOption(
    new Option('--api-url <url>', 'API base URL')
      .env('IDENTITY_COLLECTOR_API_URL')
      .default('http://127.0.0.1:3000'),
  )
  .addOption(
    new Option('--key <key>', 'API key (npm start prints a demo key)').env('IDENTITY_COLLECTOR_API_KEY'),
  )
  .option('--json', 'print the API JSON (for scripts)')
  .showHelpAfterError();

function api(): ApiCall {
  const options = program.opts<GlobalOptions>();
  if (!options.key) throw new UsageError('No API key: pass --key <key> or set IDENTITY_COLLECTOR_API_KEY.');
  return apiClient({ url: options.apiUrl, key: options.key });
}

class UsageError extends Error {}

const json = () => program.opts<GlobalOptions>().json === true;
const print = (value: unknown, human: () => string) => {
  process.stdout.write(`${json() ? JSON.stringify(value, null, 2) : human()}\n`);
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const uuid = (value: string) => {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value))
    throw new InvalidArgumentError('must be an integration id (a UUID; see `integrations list`).');
  return value;
};
const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number.');
  return n;
};

const integrations = program.command('integrations').description('Add, list, test and run integrations.');

integrations
  .command('list')
  .description('List integrations with their state.')
  .action(async () => {
    const page = await api()<{
      data: Array<{ id: string; displayName: string; state: string; salesforceUrl: string }>;
    }>('GET', '/v1/integrations?limit=200');
    print(page, () =>
      page.data.length === 0
        ? 'No integrations yet: add one with `integrations add`.'
        : table([
            ['ID', 'NAME', 'STATE', 'SALESFORCE URL'],
            ...page.data.map((i) => [i.id, i.displayName, i.state, i.salesforceUrl]),
          ]),
    );
  });

integrations
  .command('add')
  .description('Add Integration: display name, My Domain URL, consumer key and secret.')
  .requiredOption('--display-name <name>', 'how the org appears, e.g. "Acme production"')
  .requiredOption('--salesforce-url <url>', 'the My Domain URL, e.g. https://acme.my.salesforce.com')
  .requiredOption('--consumer-key <key>', "the External Client App's consumer key")
  .addOption(
    new Option('--consumer-secret <secret>', 'its consumer secret (prefer the variable: flags show in ps)')
      .env('IDENTITY_COLLECTOR_CONSUMER_SECRET')
      .makeOptionMandatory(),
  )
  .action(
    async (o: {
      displayName: string;
      salesforceUrl: string;
      consumerKey: string;
      consumerSecret: string;
    }) => {
      const created = await api()<{ id: string; displayName: string; state: string }>(
        'POST',
        '/v1/integrations',
        {
          displayName: o.displayName,
          salesforceUrl: o.salesforceUrl,
          consumerKey: o.consumerKey,
          consumerSecret: o.consumerSecret,
        },
      );
      print(
        created,
        () => `Added ${created.displayName} (${created.id}). Next: integrations test ${created.id}`,
      );
    },
  );

integrations
  .command('status')
  .description('State, current or last run, quota and schedule.')
  .argument('<id>', 'integration id', uuid)
  .action(async (id: string) => {
    const d = await api()<IntegrationDetail>('GET', `/v1/integrations/${id}`);
    print(d, () =>
      [
        `${d.displayName} (${d.id})`,
        `  state:        ${d.state}${d.attention ? ` — ${d.attention.message}\n  fix:          ${d.attention.fix}` : ''}`,
        `  last run:     ${d.lastRun ? `${d.lastRun.status} (${d.lastRun.kind}, finished ${d.lastRun.finishedAt ?? '—'})` : 'none yet'}`,
        `  next run:     ${d.schedule?.nextRunTimes[0] ?? 'after the first collection'}`,
        ...(d.currentRun ? progressLines(d, Date.now()) : []),
        ...(d.quota?.used != null && d.quota.max ? [`  API usage:    ${d.quota.used} / ${d.quota.max}`] : []),
      ].join('\n'),
    );
  });

interface Check {
  title: string;
  status: 'pass' | 'fail' | 'skipped';
  detail?: string;
  fix?: string;
}
type TestResult =
  | { ok: true; message: string; edition: string; checks?: Check[] }
  | { ok: false; code: string; message: string; fix: string; checks?: Check[] };

integrations
  .command('test')
  .description('Test Connectivity: every setup requirement with pass/fail and the fix. Exit 1 if any fails.')
  .argument('<id>', 'integration id', uuid)
  .action(async (id: string) => {
    const result = await api()<TestResult>('POST', `/v1/integrations/${id}/test`);
    print(result, () => {
      const lines = (result.checks ?? []).map((c) => {
        const mark = c.status === 'pass' ? '✓' : c.status === 'fail' ? '✗' : '-';
        return `${mark} ${c.title}${c.status === 'fail' && c.fix ? `\n    ${c.detail ?? ''}\n    fix: ${c.fix}` : ''}`;
      });
      lines.push(
        result.ok ? `${result.message} ${result.edition}` : `Failed: ${result.message}\nfix: ${result.fix}`,
      );
      return lines.join('\n');
    });
    if (!result.ok) process.exitCode = 1;
  });

integrations
  .command('collect')
  .description('Collect Now; with --follow, show live progress until the run ends (exit 1 if it fails).')
  .argument('<id>', 'integration id', uuid)
  .option('-f, --follow', 'follow the run with a live progress view')
  .option('--interval <ms>', 'how often --follow polls', positiveInt, 1000)
  .action(async (id: string, o: { follow?: boolean; interval: number }) => {
    const call = api();
    const started = await call<{ runId: string; started: boolean; kind: string }>(
      'POST',
      `/v1/integrations/${id}/collect`,
    );
    if (!o.follow) {
      print(started, () =>
        started.started
          ? `Started ${started.kind} run ${started.runId}.`
          : `A ${started.kind} run is already active: ${started.runId}.`,
      );
      return;
    }
    if (!json())
      process.stdout.write(
        `${started.started ? 'Started' : 'Following'} ${started.kind} run ${started.runId}\n`,
      );
    const draw = liveBlock(process.stdout);
    for (;;) {
      const d = await call<IntegrationDetail>('GET', `/v1/integrations/${id}`);
      if (d.lastRun?.runId === started.runId) {
        const run = await call<{
          status: string;
          records: Record<string, number>;
          apiCalls: number;
          error: string | null;
        }>('GET', `/v1/integrations/${id}/runs/${started.runId}`);
        print(run, () =>
          [
            `Run ${run.status}: ${Object.entries(run.records)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')} · ${run.apiCalls} API calls`,
            ...(run.error ? [`error: ${run.error}`] : []),
          ].join('\n'),
        );
        if (run.status === 'failed' || run.status === 'cancelled') process.exitCode = 1;
        return;
      }
      if (d.state === 'needs_attention' && d.attention) {
        process.stderr.write(`The run stopped: ${d.attention.message}\nfix: ${d.attention.fix}\n`);
        process.exitCode = 1;
        return;
      }
      if (!json()) draw(progressLines(d, Date.now()));
      await new Promise((r) => setTimeout(r, o.interval));
    }
  });

for (const action of ['pause', 'resume'] as const) {
  integrations
    .command(action)
    .description(action === 'pause' ? 'Pause collection at the next safe point.' : 'Resume collection.')
    .argument('<id>', 'integration id', uuid)
    .action(async (id: string) => {
      const result = await api()('POST', `/v1/integrations/${id}/${action}`);
      print(result, () => (action === 'pause' ? 'Pause requested.' : 'Resume requested.'));
    });
}

interface Finding {
  id: string;
  kind: string;
  severity: string;
  status: string;
  username: string | null;
  sourceIp: string | null;
  lastSeenAt: string;
}

program
  .command('findings')
  .description("Unauthorized-access findings (one integration's, or all).")
  .argument('[id]', 'integration id', uuid)
  .addOption(
    new Option('--status <status>', 'only this status').choices(['open', 'acknowledged', 'resolved']),
  )
  .action(async (id: string | undefined, o: { status?: string }) => {
    const query = `?limit=200${o.status ? `&status=${o.status}` : ''}`;
    const page = await api()<{ data: Finding[] }>(
      'GET',
      id ? `/v1/integrations/${id}/findings${query}` : `/v1/findings${query}`,
    );
    print(page, () =>
      page.data.length === 0
        ? 'No findings.'
        : table([
            ['ID', 'KIND', 'SEVERITY', 'STATUS', 'USER / IP', 'LAST SEEN'],
            ...page.data.map((f) => [
              f.id,
              f.kind,
              f.severity,
              f.status,
              f.username ?? f.sourceIp ?? '',
              f.lastSeenAt,
            ]),
          ]),
    );
  });

interface Unused {
  days: number;
  totals: { reclaimable: number; estimatedMonthlySavings: number | null };
  licenses: Array<{
    license: string;
    usedLicenses: number | null;
    totalLicenses: number | null;
    reclaimable: number;
    estimatedMonthlySavings: number | null;
  }>;
  users: Array<{ username: string; license: string; reasons: string[]; lastLoginAt: string | null }>;
}

program
  .command('unused')
  .description('Unused accounts and reclaimable licences of an integration.')
  .argument('<id>', 'integration id', uuid)
  .option('--days <days>', 'unused for this many days', positiveInt)
  .action(async (id: string, o: { days?: number }) => {
    const data = await api()<Unused>(
      'GET',
      `/v1/integrations/${id}/unused-accounts${o.days ? `?days=${o.days}` : ''}`,
    );
    print(data, () =>
      [
        `${data.totals.reclaimable} reclaimable licences (unused ${data.days} days)` +
          (data.totals.estimatedMonthlySavings !== null
            ? `, about ${data.totals.estimatedMonthlySavings} per month`
            : ''),
        table([
          ['LICENCE', 'USED/TOTAL', 'RECLAIMABLE', 'SAVINGS/MONTH'],
          ...data.licenses.map((l) => [
            l.license,
            `${l.usedLicenses ?? '—'}/${l.totalLicenses ?? '—'}`,
            String(l.reclaimable),
            l.estimatedMonthlySavings === null ? '—' : String(l.estimatedMonthlySavings),
          ]),
        ]),
        '',
        data.users.length === 0
          ? 'No unused accounts.'
          : table([
              ['USER', 'LICENCE', 'WHY', 'LAST LOGIN'],
              ...data.users.map((u) => [
                u.username,
                u.license,
                u.reasons.join(', '),
                u.lastLoginAt ?? 'never',
              ]),
            ]),
      ].join('\n'),
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ApiCallError) {
    if (json())
      process.stderr.write(
        `${JSON.stringify(error.body ?? { error: { code: error.code, message: error.message } })}\n`,
      );
    else
      process.stderr.write(
        `Error: ${error.message} (${error.code}${error.requestId ? `, request ${error.requestId}` : ''})\n`,
      );
  } else if (error instanceof UsageError) {
    process.stderr.write(`Error: ${error.message}\n`);
  } else {
    throw error;
  }
  process.exitCode = 1;
}
