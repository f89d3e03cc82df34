import { z } from 'zod';
import { id, number, requiredDatetime, text } from './fields';
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
  parse(record) {
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
  },
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
