/**
 * The peer loader for the throughput bench, run as its own process so its memory is its own: what a team would
 * write with jsforce 3.7 (https://jsforce.github.io/document/#query) for the same work: client-credentials
 * login, `query(...).autoFetch(true)` over every LoginHistory row as a record stream, the same 26 fields mapped
 * to the same columns, batched multi-row INSERTs (2,000 rows, `ON CONFLICT DO NOTHING`) into a table with the
 * same primary key and indexes. No durability: no cursor, no transaction with progress, no quota guard.
 *
 * Input (environment): JSFORCE_BENCH = JSON { databaseUrl, salesforceUrl, consumerKey, consumerSecret,
 * integrationId, table }. Output: one line `JSFORCE {"rows":…,"ms":…}`.
 */
import jsforce from 'jsforce';
import postgres from 'postgres';
import { z } from 'zod';
import { loginHistorySpec, type LoginHistoryRow } from '../../activities/collection/objects/login-history';

const input = z
  .object({
    databaseUrl: z.string(),
    salesforceUrl: z.string(),
    consumerKey: z.string(),
    consumerSecret: z.string(),
    integrationId: z.string().uuid(),
    table: z.string().regex(/^[a-z_]+$/),
  })
  .parse(JSON.parse(process.env.JSFORCE_BENCH ?? '{}'));

const BATCH = 2000;

const conn = new jsforce.Connection({
  oauth2: { loginUrl: input.salesforceUrl, clientId: input.consumerKey, clientSecret: input.consumerSecret },
  version: '62.0',
});
await conn.authorize({ grant_type: 'client_credentials' });
const sql = postgres(input.databaseUrl, { max: 1, onnotice: () => {} });

const columns = (r: LoginHistoryRow) => ({
  integration_id: input.integrationId,
  id: r.id,
  user_id: r.userId,
  login_time: r.loginTime,
  login_type: r.loginType,
  login_sub_type: r.loginSubType,
  status: r.status,
  source_ip: r.sourceIp,
  application: r.application,
  browser: r.browser,
  platform: r.platform,
  login_url: r.loginUrl,
  country_iso: r.countryIso,
  api_type: r.apiType,
  api_version: r.apiVersion,
  client_version: r.clientVersion,
  cipher_suite: r.cipherSuite,
  tls_protocol: r.tlsProtocol,
  authentication_service_id: r.authenticationServiceId,
  login_geo_id: r.loginGeoId,
  geo_city: r.geoCity,
  geo_country: r.geoCountry,
  geo_country_iso: r.geoCountryIso,
  geo_subdivision: r.geoSubdivision,
  geo_postal_code: r.geoPostalCode,
  geo_latitude: r.geoLatitude,
  geo_longitude: r.geoLongitude,
});

let rows = 0;
let batch: ReturnType<typeof columns>[] = [];
const flush = async () => {
  if (batch.length === 0) return;
  await sql`insert into ${sql(input.table)} ${sql(batch)} on conflict (integration_id, id) do nothing`;
  rows += batch.length;
  batch = [];
};

const started = performance.now();
const records = conn
  .query(loginHistorySpec.soql(null))
  .autoFetch(true)
  .maxFetch(100_000_000)
  .stream('record');
for await (const record of records) {
  batch.push(columns(loginHistorySpec.parse(record) as LoginHistoryRow));
  if (batch.length >= BATCH) await flush();
}
await flush();
const ms = performance.now() - started;
await sql.end({ timeout: 5 });
console.log(`JSFORCE ${JSON.stringify({ rows, ms })}`);
