import { z } from 'zod';
import { ID_PATTERN, id, number, requiredDatetime, SALESFORCE_DATETIME, text } from './fields';
import { parseSalesforceDatetime } from '../../../salesforce/soql';
import { copyIntoStaging, type StagedCopy } from './copy-rows';
import type { ObjectSpec } from './types';
import type { Sql } from '../../../platform/database';

const schema = z.looseObject({
  Id: id,
  UserId: z.string(),
  LoginTime: requiredDatetime,
  LoginType: text,
  LoginSubType: text,
  Status: text,
  SourceIp: text,
  Application: text,
  Browser: text,
  Platform: text,
  LoginUrl: text,
  CountryIso: text,
  ApiType: text,
  ApiVersion: text,
  ClientVersion: text,
  CipherSuite: text,
  TlsProtocol: text,
  AuthenticationServiceId: text,
  LoginGeoId: text,
  LoginGeo: z
    .looseObject({
      City: text,
      Country: text,
      CountryIso: text,
      Subdivision: text,
      PostalCode: text,
      Latitude: number,
      Longitude: number,
    })
    .nullish(),
});

export interface LoginHistoryRow {
  id: string;
  userId: string;
  loginTime: string;
  loginType: string | null;
  loginSubType: string | null;
  status: string | null;
  sourceIp: string | null;
  application: string | null;
  browser: string | null;
  platform: string | null;
  loginUrl: string | null;
  countryIso: string | null;
  apiType: string | null;
  apiVersion: string | null;
  clientVersion: string | null;
  cipherSuite: string | null;
  tlsProtocol: string | null;
  authenticationServiceId: string | null;
  loginGeoId: string | null;
  geoCity: string | null;
  geoCountry: string | null;
  geoCountryIso: string | null;
  geoSubdivision: string | null;
  geoPostalCode: string | null;
  geoLatitude: number | null;
  geoLongitude: number | null;
}

const FIELDS = [
  'Id',
  'UserId',
  'LoginTime',
  'LoginType',
  'LoginSubType',
  'Status',
  'SourceIp',
  'Application',
  'Browser',
  'Platform',
  'LoginUrl',
  'CountryIso',
  'ApiType',
  'ApiVersion',
  'ClientVersion',
  'CipherSuite',
  'TlsProtocol',
  'AuthenticationServiceId',
  'LoginGeoId',
  'LoginGeo.City',
  'LoginGeo.Country',
  'LoginGeo.CountryIso',
  'LoginGeo.Subdivision',
  'LoginGeo.PostalCode',
  'LoginGeo.Latitude',
  'LoginGeo.Longitude',
].join(', ');

/**
 * A page goes to PostgreSQL through COPY into a staging table, then one INSERT … SELECT: the bulk path with
 * LoginHistory's insert-once semantics, in the page's transaction.
 */
const staging: StagedCopy<LoginHistoryRow> = {
  staging: 'stage_login_history',
  columns: [
    ['id', 'text'],
    ['user_id', 'text'],
    ['login_time', 'timestamptz'],
    ['login_type', 'text'],
    ['login_sub_type', 'text'],
    ['status', 'text'],
    ['source_ip', 'text'],
    ['application', 'text'],
    ['browser', 'text'],
    ['platform', 'text'],
    ['login_url', 'text'],
    ['country_iso', 'text'],
    ['api_type', 'text'],
    ['api_version', 'text'],
    ['client_version', 'text'],
    ['cipher_suite', 'text'],
    ['tls_protocol', 'text'],
    ['authentication_service_id', 'text'],
    ['login_geo_id', 'text'],
    ['geo_city', 'text'],
    ['geo_country', 'text'],
    ['geo_country_iso', 'text'],
    ['geo_subdivision', 'text'],
    ['geo_postal_code', 'text'],
    ['geo_latitude', 'float8'],
    ['geo_longitude', 'float8'],
  ],
  values: (r) => [
    r.id,
    r.userId,
    r.loginTime,
    r.loginType,
    r.loginSubType,
    r.status,
    r.sourceIp,
    r.application,
    r.browser,
    r.platform,
    r.loginUrl,
    r.countryIso,
    r.apiType,
    r.apiVersion,
    r.clientVersion,
    r.cipherSuite,
    r.tlsProtocol,
    r.authenticationServiceId,
    r.loginGeoId,
    r.geoCity,
    r.geoCountry,
    r.geoCountryIso,
    r.geoSubdivision,
    r.geoPostalCode,
    r.geoLatitude,
    r.geoLongitude,
  ],
};
const STAGED_COLUMNS = staging.columns.map(([name]) => name).join(', ');

/**
 * LoginHistory pages by (LoginTime, Id): LoginTime and Id are among its only filterable/sortable fields
 * (LoginHistory object reference), and the Id tiebreak keeps many logins sharing one LoginTime from being
 * skipped or re-read forever.
 */
export const loginHistorySpec: ObjectSpec<LoginHistoryRow> = {
  object: 'LoginHistory',
  keyset: { field: 'LoginTime' },
  soql: (where) =>
    `SELECT ${FIELDS} FROM LoginHistory${where ? ` WHERE ${where}` : ''} ORDER BY LoginTime, Id`,
  // 2,000 records a page, up to millions a pass: a hand-written check of the same rules as `schema` costs a
  // few milliseconds a page where zod costs tens; anything it does not accept goes through zod, which either
  // maps it the same way or throws the error that names the field.
  parse: (record) => parseFast(record) ?? parseWithSchema(record),
  key: (row) => ({ at: row.loginTime, id: row.id }),
  async upsert(sql, integrationId, runId, rows) {
    // The staging table is per session and empties at commit: the COPY and the INSERT must share one
    // transaction (collection always passes one; a caller holding the pool gets one here).
    if (!('savepoint' in sql)) {
      await (sql as Sql).begin((tx) =>
        loginHistorySpec.upsert(tx as unknown as Sql, integrationId, runId, rows),
      );
      return;
    }
    await copyIntoStaging(sql, staging, rows);
    await sql`
      insert into sf_login_history (integration_id, ${sql.unsafe(STAGED_COLUMNS)})
      select ${integrationId}::uuid, ${sql.unsafe(STAGED_COLUMNS)} from stage_login_history
      -- A login event never changes once Salesforce records it; re-read rows (overlap, retries) are skipped
      -- instead of rewritten, which would leave a dead tuple per row.
      on conflict (integration_id, id) do nothing`;
  },
};

/** `schema`, field by field: the reference mapping, and the error path of `parseFast`. */
export function parseWithSchema(record: unknown): LoginHistoryRow {
  const r = schema.parse(record);
  const geo = r.LoginGeo ?? null;
  return {
    id: r.Id,
    userId: r.UserId,
    loginTime: r.LoginTime,
    loginType: r.LoginType,
    loginSubType: r.LoginSubType,
    status: r.Status,
    sourceIp: r.SourceIp,
    application: r.Application,
    browser: r.Browser,
    platform: r.Platform,
    loginUrl: r.LoginUrl,
    countryIso: r.CountryIso,
    apiType: r.ApiType,
    apiVersion: r.ApiVersion,
    clientVersion: r.ClientVersion,
    cipherSuite: r.CipherSuite,
    tlsProtocol: r.TlsProtocol,
    authenticationServiceId: r.AuthenticationServiceId,
    loginGeoId: r.LoginGeoId,
    geoCity: geo?.City ?? null,
    geoCountry: geo?.Country ?? null,
    geoCountryIso: geo?.CountryIso ?? null,
    geoSubdivision: geo?.Subdivision ?? null,
    geoPostalCode: geo?.PostalCode ?? null,
    geoLatitude: geo?.Latitude ?? null,
    geoLongitude: geo?.Longitude ?? null,
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** `text` of fields.ts: a string, or null/absent as null; anything else is not ours to map (undefined). */
const textOf = (v: unknown): string | null | undefined =>
  typeof v === 'string' ? v : v === null || v === undefined ? null : undefined;
const numberOf = (v: unknown): number | null | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : v === null || v === undefined ? null : undefined;

/**
 * The same rules as `schema` for a well-formed record, without zod's per-field machinery; null when any rule
 * fails, so the caller lets zod produce the error (or the mapping, for an input this check is stricter about).
 */
export function parseFast(record: unknown): LoginHistoryRow | null {
  if (!isObject(record)) return null;
  const { Id, UserId, LoginTime } = record;
  if (typeof Id !== 'string' || !ID_PATTERN.test(Id) || typeof UserId !== 'string') return null;
  if (typeof LoginTime !== 'string' || !SALESFORCE_DATETIME.test(LoginTime)) return null;
  const geoValue = record.LoginGeo;
  if (geoValue !== null && geoValue !== undefined && !isObject(geoValue)) return null;
  const geo: Json = geoValue ?? {};
  let loginTime: string;
  try {
    loginTime = parseSalesforceDatetime(LoginTime);
  } catch {
    return null;
  }
  const row = {
    id: Id,
    userId: UserId,
    loginTime,
    loginType: textOf(record.LoginType),
    loginSubType: textOf(record.LoginSubType),
    status: textOf(record.Status),
    sourceIp: textOf(record.SourceIp),
    application: textOf(record.Application),
    browser: textOf(record.Browser),
    platform: textOf(record.Platform),
    loginUrl: textOf(record.LoginUrl),
    countryIso: textOf(record.CountryIso),
    apiType: textOf(record.ApiType),
    apiVersion: textOf(record.ApiVersion),
    clientVersion: textOf(record.ClientVersion),
    cipherSuite: textOf(record.CipherSuite),
    tlsProtocol: textOf(record.TlsProtocol),
    authenticationServiceId: textOf(record.AuthenticationServiceId),
    loginGeoId: textOf(record.LoginGeoId),
    geoCity: textOf(geo.City),
    geoCountry: textOf(geo.Country),
    geoCountryIso: textOf(geo.CountryIso),
    geoSubdivision: textOf(geo.Subdivision),
    geoPostalCode: textOf(geo.PostalCode),
    geoLatitude: numberOf(geo.Latitude),
    geoLongitude: numberOf(geo.Longitude),
  };
  // A field of the wrong type mapped to undefined above: let zod name it.
  for (const value of Object.values(row)) if (value === undefined) return null;
  return row as LoginHistoryRow;
}
