import { readPrivateFile, writePrivateFile } from './private-file';
import { join } from 'node:path';
import { createSql } from '../platform/database';
import { authenticateApiKey, createApiKey, createTenant, listTenants } from '../platform/api-keys';
import { startSimulator } from '../simulator';
import type { ScenarioSpec } from '../simulator';

export interface DemoSummary {
  simulatorUrl: string;
  salesforceUrl: string;
  consumerKey: string;
  apiKey: string;
  integrationId: string;
  status: string;
}

const DEMO_TENANT = 'demo';
const DEMO_NAME = 'Demo org (simulator)';

/** One planted example of every finding the product detects, so the demo shows each of them. */
const DEMO_SCENARIOS: ScenarioSpec[] = [
  { kind: 'bruteForce', failures: 14 },
  { kind: 'passwordSpray', users: 20 },
  { kind: 'impossibleTravel', minutesApart: 10 },
  { kind: 'dormantReactivation' },
  { kind: 'inactiveUserAttempt', attempts: 3 },
  { kind: 'frozenUserAttempt', attempts: 3 },
  { kind: 'apiOnlyUiLogin', status: 'Success' },
  { kind: 'newCountry' },
  { kind: 'privilegedUnused', days: 45 },
];

async function api(apiUrl: string, apiKey: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/**
 * The newcomer's demo: a simulated Salesforce org, a demo tenant with an API key (kept in DATA_DIR so it
 * survives restarts), and an integration created, tested and collected through the real HTTP API.
 */
export async function provisionDemo(options: {
  databaseUrl: string;
  apiUrl: string;
  simulatorPort: number;
  dataDir: string;
}): Promise<{ summary: DemoSummary; stop: () => Promise<void> }> {
  const simulator = await startSimulator({ port: options.simulatorPort });
  const org = simulator.simulator.control.createOrg({
    key: 'demo',
    users: 2000,
    logins: 60_000,
    seed: 7,
    scenarios: DEMO_SCENARIOS,
  });

  const sql = createSql({
    url: options.databaseUrl,
    poolSize: 2,
    applicationName: 'identity-collector-start',
  });
  try {
    const keyFile = join(options.dataDir, 'demo-api-key');
    let apiKey = readPrivateFile(keyFile) ?? '';
    if (!apiKey || !(await authenticateApiKey(sql, apiKey))) {
      const tenants = await listTenants(sql);
      if (!tenants.some((t) => t.name === DEMO_TENANT)) await createTenant(sql, DEMO_TENANT);
      apiKey = (await createApiKey(sql, { tenantName: DEMO_TENANT, name: 'npm start demo' })).key;
      writePrivateFile(keyFile, apiKey);
    }

    const [existing] = await sql<{ id: string }[]>`
      select i.id from integrations i join tenants t on t.id = i.tenant_id
      where t.name = ${DEMO_TENANT} and i.display_name = ${DEMO_NAME} and i.enabled
      order by i.created_at limit 1`;
    let integrationId: string;
    let status: string;
    if (existing) {
      // The simulator mints new Connected App credentials on every start; hand them to the integration.
      integrationId = existing.id;
      await api(options.apiUrl, apiKey, 'PATCH', `/v1/integrations/${integrationId}`, {
        credentials: { consumerKey: org.consumerKey, consumerSecret: org.consumerSecret },
      });
      status = 'existing integration, credentials refreshed';
    } else {
      const created = await api(options.apiUrl, apiKey, 'POST', '/v1/integrations', {
        displayName: DEMO_NAME,
        salesforceUrl: org.salesforceUrl,
        consumerKey: org.consumerKey,
        consumerSecret: org.consumerSecret,
      });
      integrationId = String(created.id);
      const test = await api(options.apiUrl, apiKey, 'POST', `/v1/integrations/${integrationId}/test`);
      if (test.ok !== true) throw new Error(`demo Test Connectivity failed: ${JSON.stringify(test)}`);
      await api(options.apiUrl, apiKey, 'POST', `/v1/integrations/${integrationId}/collect`);
      status = 'created, tested ("Connected!") and initial collection started';
    }
    return {
      summary: {
        simulatorUrl: simulator.url,
        salesforceUrl: org.salesforceUrl,
        consumerKey: org.consumerKey,
        apiKey,
        integrationId,
        status,
      },
      stop: () => simulator.close(),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
