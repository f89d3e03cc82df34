import { createDictionary, type Dictionary } from './dictionary';

export interface Geo {
  city: string;
  country: string;
  countryIso: string;
  subdivision: string | null;
  postalCode: string | null;
  latitude: number;
  longitude: number;
}

export interface LoginInput {
  time: number;
  userRow: number;
  sourceIp: string;
  geo: Geo | null;
  status: string;
  loginType: string;
  loginSubType: string | null;
  application: string;
  browser: string;
  platform: string;
  loginUrl: string;
  apiType: string;
  apiVersion: string;
  tlsProtocol: string;
  cipherSuite: string | null;
}

type ColumnName =
  | 'status'
  | 'loginType'
  | 'loginSubType'
  | 'application'
  | 'browser'
  | 'platform'
  | 'loginUrl'
  | 'apiType'
  | 'apiVersion'
  | 'tlsProtocol'
  | 'cipherSuite';

const DICTIONARY_COLUMNS: readonly ColumnName[] = [
  'status',
  'loginType',
  'loginSubType',
  'application',
  'browser',
  'platform',
  'loginUrl',
  'apiType',
  'apiVersion',
  'tlsProtocol',
  'cipherSuite',
];

export interface LoginColumns {
  time: Float64Array;
  userRow: Int32Array;
  ip: Uint32Array;
  geo: Uint16Array;
  codes: Record<ColumnName, Uint16Array>;
}

/**
 * LoginHistory as columns: typed arrays plus small dictionaries, about 40 bytes a row, instead of one JS
 * object per row. Rows stay sorted by (LoginTime, Id) because they are only ever appended in time order
 * and the Id is derived from the row number; that order lets queries binary-search LoginTime ranges.
 */
export interface LoginStore {
  size(): number;
  readonly columns: LoginColumns;
  readonly dictionaries: Record<ColumnName, Dictionary<string>>;
  readonly geos: Dictionary<Geo>;
  append(login: Omit<LoginInput, 'userRow'>, userRow: number): number;
  lastTime(): number;
  /** First row whose LoginTime is >= time (or > time when strict). */
  lowerBound(time: number, strict?: boolean): number;
  ipText(row: number): string | null;
  text(column: ColumnName, row: number): string | null;
}

export function ipToNumber(ip: string): number {
  let value = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const char = ip.charCodeAt(i);
    if (char === 46) {
      value = value * 256 + part;
      part = 0;
    } else part = part * 10 + (char - 48);
  }
  return value * 256 + part;
}

export function numberToIp(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export function createLoginStore(initialCapacity = 1024): LoginStore {
  let capacity = Math.max(16, initialCapacity);
  let size = 0;
  const newCodes = (length: number) =>
    Object.fromEntries(DICTIONARY_COLUMNS.map((name) => [name, new Uint16Array(length)])) as Record<
      ColumnName,
      Uint16Array
    >;
  const columns: LoginColumns = {
    time: new Float64Array(capacity),
    userRow: new Int32Array(capacity),
    ip: new Uint32Array(capacity),
    geo: new Uint16Array(capacity),
    codes: newCodes(capacity),
  };
  const dictionaries = Object.fromEntries(
    DICTIONARY_COLUMNS.map((name) => [name, createDictionary<string>()]),
  ) as Record<ColumnName, Dictionary<string>>;
  const geos = createDictionary<Geo>(
    (geo) => `${geo.city}|${geo.countryIso}|${geo.latitude}|${geo.longitude}`,
  );

  function grow() {
    capacity *= 2;
    const copy = <A extends Float64Array | Int32Array | Uint32Array | Uint16Array>(
      old: A,
      make: (n: number) => A,
    ) => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    columns.time = copy(columns.time, (n) => new Float64Array(n));
    columns.userRow = copy(columns.userRow, (n) => new Int32Array(n));
    columns.ip = copy(columns.ip, (n) => new Uint32Array(n));
    columns.geo = copy(columns.geo, (n) => new Uint16Array(n));
    for (const name of DICTIONARY_COLUMNS)
      columns.codes[name] = copy(columns.codes[name], (n) => new Uint16Array(n));
  }

  const lowerBound = (time: number, strict = false) => {
    let lo = 0;
    let hi = size;
    const times = columns.time;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const value = times[mid]!;
      if (value < time || (strict && value === time)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  return {
    size: () => size,
    columns,
    dictionaries,
    geos,
    lowerBound,
    lastTime: () => (size === 0 ? -Infinity : columns.time[size - 1]!),
    append(login, userRow) {
      if (size > 0 && login.time < columns.time[size - 1]!) {
        throw new RangeError('LoginHistory rows must be appended in LoginTime order');
      }
      if (size === capacity) grow();
      const row = size++;
      columns.time[row] = login.time;
      columns.userRow[row] = userRow;
      columns.ip[row] = ipToNumber(login.sourceIp);
      columns.geo[row] = geos.code(login.geo);
      const { codes } = columns;
      codes.status[row] = dictionaries.status.code(login.status);
      codes.loginType[row] = dictionaries.loginType.code(login.loginType);
      codes.loginSubType[row] = dictionaries.loginSubType.code(login.loginSubType);
      codes.application[row] = dictionaries.application.code(login.application);
      codes.browser[row] = dictionaries.browser.code(login.browser);
      codes.platform[row] = dictionaries.platform.code(login.platform);
      codes.loginUrl[row] = dictionaries.loginUrl.code(login.loginUrl);
      codes.apiType[row] = dictionaries.apiType.code(login.apiType);
      codes.apiVersion[row] = dictionaries.apiVersion.code(login.apiVersion);
      codes.tlsProtocol[row] = dictionaries.tlsProtocol.code(login.tlsProtocol);
      codes.cipherSuite[row] = dictionaries.cipherSuite.code(login.cipherSuite);
      return row;
    },
    ipText: (row) => (columns.ip[row] ? numberToIp(columns.ip[row]!) : null),
    text: (column, row) => dictionaries[column].value(columns.codes[column][row]!),
  };
}
