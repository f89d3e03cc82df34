import { KEY_PREFIX, makeId, serialOf } from '../ids';
import type { LoginStore } from './login-store';
import { objectDef } from './schema';
import type { RecordTable, Table, Value } from './table';

/** LoginHistory as a view over the columnar store; the Id is derived from the row number. */
export function createLoginHistoryTable(store: LoginStore, users: RecordTable, orgCode: string): Table {
  const { columns } = store;
  const dictionaryColumn = (name: Parameters<LoginStore['text']>[0]) => (row: number) =>
    store.text(name, row);
  const geoOf = (row: number) => store.geos.value(columns.geo[row]!);
  const readers: Record<string, (row: number) => Value> = {
    Id: (row) => makeId(KEY_PREFIX.LoginHistory, orgCode, row),
    UserId: (row) => users.rows[columns.userRow[row]!]?.Id ?? null,
    LoginTime: (row) => columns.time[row]!,
    LoginType: dictionaryColumn('loginType'),
    LoginSubType: dictionaryColumn('loginSubType'),
    LoginUrl: dictionaryColumn('loginUrl'),
    SourceIp: (row) => store.ipText(row),
    Status: dictionaryColumn('status'),
    Application: dictionaryColumn('application'),
    Browser: dictionaryColumn('browser'),
    Platform: dictionaryColumn('platform'),
    ApiType: dictionaryColumn('apiType'),
    ApiVersion: dictionaryColumn('apiVersion'),
    CipherSuite: dictionaryColumn('cipherSuite'),
    TlsProtocol: dictionaryColumn('tlsProtocol'),
    CountryIso: (row) => geoOf(row)?.countryIso ?? null,
    LoginGeoId: (row) => (columns.geo[row] ? makeId(KEY_PREFIX.LoginGeo, orgCode, row) : null),
    OptionsIsGet: () => false,
    OptionsIsPost: (row) => store.text('loginType', row) === 'Application',
  };
  return {
    object: objectDef('LoginHistory'),
    size: store.size,
    sortedBy: { field: 'LoginTime', lowerBound: store.lowerBound },
    column: (field) => readers[field] ?? (() => null),
    parentRow(field) {
      if (field === 'UserId') return (row) => columns.userRow[row]!;
      if (field === 'LoginGeoId') return (row) => (columns.geo[row] ? row : -1);
      return undefined;
    },
    rowOfId(id) {
      const row = serialOf(id, KEY_PREFIX.LoginHistory, orgCode);
      return row >= 0 && row < store.size() ? row : -1;
    },
  };
}

/** Salesforce creates one LoginGeo per login, so LoginGeo shares LoginHistory's row numbers. */
export function createLoginGeoTable(store: LoginStore, orgCode: string): Table {
  const { columns } = store;
  const geoOf = (row: number) => store.geos.value(columns.geo[row]!);
  const readers: Record<string, (row: number) => Value> = {
    Id: (row) => makeId(KEY_PREFIX.LoginGeo, orgCode, row),
    City: (row) => geoOf(row)?.city ?? null,
    Country: (row) => geoOf(row)?.country ?? null,
    CountryIso: (row) => geoOf(row)?.countryIso ?? null,
    Subdivision: (row) => geoOf(row)?.subdivision ?? null,
    PostalCode: (row) => geoOf(row)?.postalCode ?? null,
    Latitude: (row) => geoOf(row)?.latitude ?? null,
    Longitude: (row) => geoOf(row)?.longitude ?? null,
    LoginTime: (row) => columns.time[row]!,
    CreatedDate: (row) => columns.time[row]!,
    LastModifiedDate: (row) => columns.time[row]!,
    SystemModstamp: (row) => columns.time[row]!,
  };
  return {
    object: objectDef('LoginGeo'),
    size: store.size,
    sortedBy: { field: 'LoginTime', lowerBound: store.lowerBound },
    column: (field) => {
      const reader = readers[field] ?? (() => null);
      return (row) => (columns.geo[row] ? reader(row) : null);
    },
    exists: (row) => columns.geo[row] !== 0,
    rowOfId(id) {
      const row = serialOf(id, KEY_PREFIX.LoginGeo, orgCode);
      return row >= 0 && row < store.size() && columns.geo[row] ? row : -1;
    },
  };
}
