import { z } from 'zod';
import { id, number, requiredDatetime, text } from './fields';
import { textArray } from './arrays';
import type { ObjectSpec } from './types';

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
  async upsert(sql, integrationId, _runId, rows) {
    const col = (pick: (row: LoginHistoryRow) => string | number | null) => textArray(sql, rows.map(pick));
    await sql`
      insert into sf_login_history (
        integration_id, id, user_id, login_time, login_type, login_sub_type, status, source_ip, application,
        browser, platform, login_url, country_iso, api_type, api_version, client_version, cipher_suite,
        tls_protocol, authentication_service_id, login_geo_id, geo_city, geo_country, geo_country_iso,
        geo_subdivision, geo_postal_code, geo_latitude, geo_longitude
      )
      select ${integrationId}::uuid, l.*
      from unnest(
        ${col((r) => r.id)}::text[], ${col((r) => r.userId)}::text[], ${col((r) => r.loginTime)}::timestamptz[],
        ${col((r) => r.loginType)}::text[], ${col((r) => r.loginSubType)}::text[], ${col((r) => r.status)}::text[],
        ${col((r) => r.sourceIp)}::text[], ${col((r) => r.application)}::text[], ${col((r) => r.browser)}::text[],
        ${col((r) => r.platform)}::text[], ${col((r) => r.loginUrl)}::text[], ${col((r) => r.countryIso)}::text[],
        ${col((r) => r.apiType)}::text[], ${col((r) => r.apiVersion)}::text[], ${col((r) => r.clientVersion)}::text[],
        ${col((r) => r.cipherSuite)}::text[], ${col((r) => r.tlsProtocol)}::text[],
        ${col((r) => r.authenticationServiceId)}::text[], ${col((r) => r.loginGeoId)}::text[],
        ${col((r) => r.geoCity)}::text[], ${col((r) => r.geoCountry)}::text[], ${col((r) => r.geoCountryIso)}::text[],
        ${col((r) => r.geoSubdivision)}::text[], ${col((r) => r.geoPostalCode)}::text[],
        ${col((r) => r.geoLatitude)}::float8[], ${col((r) => r.geoLongitude)}::float8[]
      ) as l
      -- A login event never changes once Salesforce records it; re-read rows (overlap, retries) are skipped
      -- instead of rewritten, which would leave a dead tuple per row.
      on conflict (integration_id, id) do nothing`;
  },
};
