import type { City } from '../generator/catalog';
import { KEY_PREFIX, makeId } from '../ids';
import { createLoginGeoTable, createLoginHistoryTable } from './login-tables';
import { createLoginStore, type LoginStore } from './login-store';
import { objectDef } from './schema';
import { createRecordTable, type RecordTable, type Table } from './table';

export type Role =
  'admin' | 'standard' | 'platform' | 'chatter' | 'community' | 'integration' | 'runAs' | 'system';
export type Lifecycle = 'active' | 'newHire' | 'inactive' | 'frozen' | 'never' | 'dormant';

/** What the generator knows about a user beyond its Salesforce fields. */
export interface Person {
  role: Role;
  lifecycle: Lifecycle;
  homeGeo: City;
  ips: string[];
  weight: number;
  /** Logins happen only in [activeFrom, activeUntil). */
  activeFrom: number;
  activeUntil: number;
  sso: boolean;
  browser: string;
  platform: string;
  integrationApp: string | null;
  /** A last login older than the retained LoginHistory (dormant users). */
  loginBeforeHistory: number | null;
}

export interface OrgData {
  orgCode: string;
  orgId: string;
  myDomainHost: string;
  historyStart: number;
  records: {
    Organization: RecordTable;
    UserLicense: RecordTable;
    Profile: RecordTable;
    User: RecordTable;
    UserLogin: RecordTable;
    PermissionSet: RecordTable;
    PermissionSetAssignment: RecordTable;
  };
  logins: LoginStore;
  loginHistory: Table;
  loginGeo: Table;
  people: Person[];
  newId(prefix: string): string;
  table(objectName: string): Table | undefined;
}

export function createOrgData(
  orgCode: string,
  myDomainHost: string,
  historyStart: number,
  expectedLogins: number,
): OrgData {
  const serials = new Map<string, number>();
  const records = {
    Organization: createRecordTable(objectDef('Organization')),
    UserLicense: createRecordTable(objectDef('UserLicense')),
    Profile: createRecordTable(objectDef('Profile')),
    User: createRecordTable(objectDef('User')),
    UserLogin: createRecordTable(objectDef('UserLogin')),
    PermissionSet: createRecordTable(objectDef('PermissionSet')),
    PermissionSetAssignment: createRecordTable(objectDef('PermissionSetAssignment')),
  };
  const logins = createLoginStore(expectedLogins + 1024);
  const loginHistory = createLoginHistoryTable(logins, records.User, orgCode);
  const loginGeo = createLoginGeoTable(logins, orgCode);
  const tables = new Map<string, Table>([
    ...Object.values(records).map((table): [string, Table] => [table.object.name, table]),
    ['LoginHistory', loginHistory],
    ['LoginGeo', loginGeo],
  ]);
  return {
    orgCode,
    orgId: makeId(KEY_PREFIX.Organization, orgCode, 1),
    myDomainHost,
    historyStart,
    records,
    logins,
    loginHistory,
    loginGeo,
    people: [],
    newId(prefix) {
      const serial = (serials.get(prefix) ?? 0) + 1;
      serials.set(prefix, serial);
      return makeId(prefix, orgCode, serial);
    },
    table: (objectName) => tables.get(objectName),
  };
}
