/**
 * Detection quality: `npm run eval -- detections [--sizes small,medium,large]`.
 *
 * For each org size, a clean simulated org (simulator/, with every planted scenario kind) is copied into
 * PostgreSQL through the simulator's REST surface, then the labelled corpus (eval/corpus.ts: positives,
 * boundary ±1 near misses, windows straddling the run boundary, late-arriving rows, noise) is written for
 * its own users and IPs. Collection is replayed as two runs: everything before the boundary and a full
 * recompute, then the rest (and the late rows) and an incremental recompute from the boundary − the
 * 15-minute overlap. A final full recompute must change nothing (split run == full run).
 *
 * Prints precision and recall per finding kind; exits non-zero when recall on positives is below 1.0, when
 * any noise case (or the clean background) produces a finding, or when the full recompute changes anything.
 *
 * PostgreSQL: EVAL_POSTGRES_URL (a server URL whose user may create databases), else an embedded PostgreSQL
 * in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { z } from 'zod';
import { freePort } from '../platform/ports';
import { startEmbeddedPostgres, type RunningPostgres } from '../dev/embedded-postgres';
import { findingKinds, type FindingKind } from '../insights/finding-kinds';
import { recomputeFindings, type Finding } from '../insights/findings';
import { createSql, type Sql } from '../platform/database';
import { applyMigrations } from '../platform/migrate';
import { createSimulator, type PlantedScenario, type ScenarioKind } from '../simulator';
import { everyFinding } from '../test/insights/fixtures';
import { loadOrgThroughRest, scenarioFinding } from '../test/insights/load-org';
import { createTestIntegration } from '../test/support/factories';
import { labelledCases, type CaseFamily, type LabelledCase } from './corpus';

const MINUTE = 60_000;
const DAY = 86_400_000;
const OVERLAP_MINUTES = 15;

const sizes = {
  small: { users: 200, logins: 10_000 },
  medium: { users: 1_000, logins: 50_000 },
  large: { users: 3_000, logins: 150_000 },
} as const;
type Size = keyof typeof sizes;

/** A label: a finding of `kind` about `subject` must exist (positive) or must not (negative). */
interface Label {
  kind: FindingKind | null;
  subject: string;
  family: CaseFamily | 'planted';
  name: string;
}

interface Tally {
  tp: number;
  fp: number;
  fn: number;
}

export async function evaluateDetections(argv: string[]): Promise<boolean> {
  const { sizes: sizeList } = z
    .object({
      sizes: z
        .string()
        .default('small,medium,large')
        .transform((s) => s.split(',').map((x) => x.trim()))
        .pipe(z.array(z.enum(Object.keys(sizes) as [Size, ...Size[]])).min(1)),
    })
    .parse(parseArgs({ args: argv, options: { sizes: { type: 'string' } } }).values);

  let embedded: RunningPostgres | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.EVAL_POSTGRES_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'ic-eval-pg-'));
    embedded = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    adminUrl = embedded.url;
  }
  const database = `ic_eval_detections_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(database)}`;
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const sql = createSql({ url: url.toString(), poolSize: 4, applicationName: 'eval-detections' });
  try {
    await applyMigrations(url.toString());
    const tallies = new Map<FindingKind, Tally>(findingKinds.map((k) => [k, { tp: 0, fp: 0, fn: 0 }]));
    const failures: string[] = [];
    for (const [n, size] of sizeList.entries()) {
      const started = performance.now();
      const result = await evaluateOrg(sql, size, n);
      for (const [kind, t] of result.tallies) {
        const total = tallies.get(kind)!;
        total.tp += t.tp;
        total.fp += t.fp;
        total.fn += t.fn;
      }
      failures.push(...result.failures.map((f) => `${size}: ${f}`));
      console.log(
        `${size} org (${sizes[size].users} users, ${sizes[size].logins} logins + corpus): ` +
          `${result.labels} labels, split == full: ${result.stable ? 'yes' : 'NO'}, ` +
          `${Math.round((performance.now() - started) / 1000)} s`,
      );
    }
    printTable(tallies);
    if (failures.length > 0) {
      console.log('\nFailures:');
      for (const f of failures) console.log(`  - ${f}`);
    }
    return failures.length === 0;
  } finally {
    await sql.end({ timeout: 5 });
    await admin`drop database if exists ${admin(database)} with (force)`;
    await admin.end({ timeout: 5 });
    if (embedded) await embedded.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function evaluateOrg(sql: Sql, size: Size, n: number) {
  const simulator = createSimulator();
  const org = simulator.control.createOrg({
    ...sizes[size],
    seed: 11 + n,
    scenarios: (Object.keys(scenarioFinding) as ScenarioKind[]).map((kind) => ({ kind })),
  });
  const truth = simulator.control.truth(org.key);
  const { tenantId, integrationId } = await createTestIntegration(sql, {
    displayName: `eval ${size}`,
    org: { salesforceUrl: org.salesforceUrl, consumerKey: 'eval', consumerSecret: 'eval' },
  });
  await loadOrgThroughRest(sql, simulator, org, integrationId);

  const boundary = Math.ceil((simulator.control.now().getTime() + 2 * 3_600_000) / MINUTE) * MINUTE;
  const cases = labelledCases(n);
  const corpus = await writeCases(sql, integrationId, n, cases, boundary);

  await recomputeFindings(sql, { integrationId, since: null, now: new Date(boundary) });
  await insertRows(sql, corpus.afterBoundary);
  const since = new Date(boundary - OVERLAP_MINUTES * MINUTE);
  const now = new Date(boundary + DAY);
  await recomputeFindings(sql, { integrationId, since, now });
  const full = await recomputeFindings(sql, { integrationId, since: null, now });
  const stable = full.opened === 0 && full.updated === 0 && full.superseded === 0;

  const labels: Label[] = [
    ...truth.scenarios.map((s: PlantedScenario): Label => ({
      kind: scenarioFinding[s.kind],
      subject: s.kind === 'passwordSpray' ? s.sourceIp! : s.userId,
      family: 'planted',
      name: `planted ${s.kind}`,
    })),
    ...corpus.labels,
  ];
  const findings = await everyFinding(sql, tenantId, integrationId);
  const { tallies, failures } = score(labels, findings);
  if (!stable)
    failures.push(`a full recompute after the split run changed findings: ${JSON.stringify(full)}`);
  return { tallies, failures, stable, labels: labels.length };
}

/** Writes the cases' users and trusted networks, and the logins collected by the first run; returns the rest. */
async function writeCases(
  sql: Sql,
  integrationId: string,
  n: number,
  cases: LabelledCase[],
  boundary: number,
) {
  const userId = (c: number, u: number) =>
    `005EV${n}${String(c).padStart(3, '0')}${String(u).padStart(9, '0')}`;
  const labels: Label[] = [];
  const users: Record<string, unknown>[] = [];
  const before: Record<string, unknown>[] = [];
  const afterBoundary: Record<string, unknown>[] = [];
  await sql`
    insert into sf_permission_sets (integration_id, id, name, is_owned_by_profile, profile_id, api_user_only)
    values (${integrationId}, ${`0PSEVAL${n}APIONLY00`}, 'Eval API only', true, '00eEVALAPIONLY', true)
  `;
  let serial = 0;
  for (const [c, testCase] of cases.entries()) {
    const start = boundary + testCase.startMinutes * MINUTE;
    const firstAt = Math.min(...testCase.steps.map((s) => start + s.offsetMs));
    for (let u = 0; u < testCase.users; u++) {
      users.push({
        integration_id: integrationId,
        id: userId(c, u),
        username: `eval-${n}-${c}-${u}@example.com`,
        is_active: testCase.userState !== 'inactive',
        profile_id: testCase.userState === 'api_only' ? '00eEVALAPIONLY' : '00eEVALSTANDARD',
        user_license_name: 'Salesforce',
        created_at: new Date(firstAt - DAY),
        last_modified_at: new Date(firstAt - DAY),
        system_modstamp: new Date(firstAt - DAY),
      });
    }
    for (const cidr of testCase.trusted ?? []) {
      await sql`insert into trusted_networks (integration_id, cidr, label) values (${integrationId}, ${cidr}, ${testCase.name})`;
    }
    testCase.steps.forEach((step, index) => {
      const at = start + step.offsetMs;
      const row = {
        integration_id: integrationId,
        id: `0YaEV${n}${String(++serial).padStart(12, '0')}`,
        user_id: userId(c, step.user),
        login_time: new Date(at),
        login_type: step.loginType,
        status: step.status,
        source_ip: step.ip,
        application: step.loginType === 'Application' ? 'Browser' : 'Eval Integration',
        country_iso: step.city?.countryIso ?? null,
        geo_country_iso: step.countryOnly ? null : (step.city?.countryIso ?? null),
        geo_city: step.countryOnly ? null : (step.city?.city ?? null),
        geo_latitude: step.countryOnly ? null : (step.city?.latitude ?? null),
        geo_longitude: step.countryOnly ? null : (step.city?.longitude ?? null),
      };
      if (at >= boundary || testCase.lateSteps?.includes(index)) afterBoundary.push(row);
      else before.push(row);
    });
    const subject = 'ip' in testCase.subject ? testCase.subject.ip : userId(c, testCase.subject.user);
    labels.push({ kind: testCase.expect, subject, family: testCase.family, name: testCase.name });
  }
  for (let i = 0; i < users.length; i += 1000)
    await sql`insert into sf_users ${sql(users.slice(i, i + 1000))}`;
  await insertRows(sql, before);
  return { labels, afterBoundary };
}

async function insertRows(sql: Sql, rows: Record<string, unknown>[]) {
  for (let i = 0; i < rows.length; i += 1000) {
    await sql`insert into sf_login_history ${sql(rows.slice(i, i + 1000) as never)}`;
  }
}

/**
 * A finding is a true positive when it is the first finding of its kind for a positive label's subject;
 * every other finding (a second one for the same incident, one on a near miss, on noise, on the clean
 * background) is a false positive. A positive label with no finding is a false negative.
 */
function score(labels: Label[], findings: Finding[]) {
  const tallies = new Map<FindingKind, Tally>(findingKinds.map((k) => [k, { tp: 0, fp: 0, fn: 0 }]));
  const failures: string[] = [];
  const matched = new Set<string>();
  const subjectOf = (f: Finding) => (f.kind === 'password_spray' ? f.sourceIp! : f.userId!);
  for (const label of labels) {
    if (!label.kind) continue;
    const hit = findings.find(
      (f) => f.kind === label.kind && subjectOf(f) === label.subject && !matched.has(f.id),
    );
    if (hit) {
      matched.add(hit.id);
      tallies.get(label.kind)!.tp++;
    } else {
      tallies.get(label.kind)!.fn++;
      failures.push(`missed (${label.family}) ${label.name}`);
    }
  }
  for (const f of findings) {
    if (matched.has(f.id)) continue;
    tallies.get(f.kind)!.fp++;
    const label = labels.find((l) => l.subject === subjectOf(f));
    failures.push(
      `false positive ${f.kind} on ${label ? `(${label.family}) ${label.name}` : `background subject ${subjectOf(f)}`}`,
    );
  }
  return { tallies, failures };
}

function printTable(tallies: Map<FindingKind, Tally>) {
  const ratio = (a: number, b: number) => (b === 0 ? '  n/a' : (a / b).toFixed(2).padStart(5));
  console.log('\n| kind | TP | FP | FN | precision | recall |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [kind, t] of tallies) {
    console.log(
      `| ${kind} | ${t.tp} | ${t.fp} | ${t.fn} | ${ratio(t.tp, t.tp + t.fp)} | ${ratio(t.tp, t.tp + t.fn)} |`,
    );
  }
}
