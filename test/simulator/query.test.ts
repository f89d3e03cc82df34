import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrg, type TestOrg } from './harness';

const DAY = 86_400_000;

describe('SOQL over REST: query, queryAll, paging and errors', () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startOrg({ users: 80, logins: 5000 });
  });
  afterAll(() => t.close());

  it('pages LoginHistory in batches of 2000 with totalSize, done and nextRecordsUrl', async () => {
    const first = await t.query('SELECT Id, LoginTime FROM LoginHistory ORDER BY LoginTime');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ totalSize: 5000, done: false });
    expect(first.json.records).toHaveLength(2000);
    expect(first.json.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[0-9A-Za-z]{15}-2000$/);
    expect(Object.keys(first.json)).toEqual(['totalSize', 'done', 'nextRecordsUrl', 'records']);
    const second = await t.get(first.json.nextRecordsUrl);
    expect(second.json).toMatchObject({ totalSize: 5000, done: false });
    const third = await t.get(second.json.nextRecordsUrl);
    expect(third.json.done).toBe(true);
    expect(third.json.records).toHaveLength(1000);
    expect(third.json).not.toHaveProperty('nextRecordsUrl');
    const all = [...first.json.records, ...second.json.records, ...third.json.records];
    expect(new Set(all.map((record: { Id: string }) => record.Id)).size).toBe(5000);
    const times = all.map((record: { LoginTime: string }) => record.LoginTime);
    expect([...times].sort()).toEqual(times);
    expect(all[0].attributes).toEqual({
      type: 'LoginHistory',
      url: `/services/data/v62.0/sobjects/LoginHistory/${all[0].Id}`,
    });
  });

  it('orders Ids the way Id filters compare them, so keyset paging on Id neither skips nor repeats', async () => {
    const all = await t.query('SELECT Id FROM User ORDER BY Id');
    const ids = all.json.records.map((record: { Id: string }) => record.Id);
    for (const position of [0, 7, 23, 41, ids.length - 2]) {
      const tail = await t.query(`SELECT Id FROM User WHERE Id > '${ids[position]}' ORDER BY Id`);
      expect(tail.json.records.map((record: { Id: string }) => record.Id)).toEqual(ids.slice(position + 1));
    }
  });

  it('prints user datetimes exactly as filters compare them (whole seconds)', async () => {
    const users = await t.query('SELECT Id, SystemModstamp FROM User ORDER BY SystemModstamp, Id LIMIT 5');
    for (const user of users.json.records as Array<{ Id: string; SystemModstamp: string }>) {
      const literal = user.SystemModstamp.replace('+0000', 'Z');
      const same = await t.query(`SELECT Id FROM User WHERE SystemModstamp = ${literal}`);
      expect(same.json.records.map((record: { Id: string }) => record.Id)).toContain(user.Id);
    }
  });

  it('honours Sforce-Query-Options batchSize within 200..2000', async () => {
    const small = await t.query('SELECT Id FROM LoginHistory', {
      headers: { 'Sforce-Query-Options': 'batchSize=500' },
    });
    expect(small.json.records).toHaveLength(500);
    expect(small.json.nextRecordsUrl).toMatch(/-500$/);
    const tiny = await t.query('SELECT Id FROM LoginHistory', {
      headers: { 'Sforce-Query-Options': 'batchSize=10' },
    });
    expect(tiny.json.records).toHaveLength(200);
    const huge = await t.query('SELECT Id FROM LoginHistory', {
      headers: { 'Sforce-Query-Options': 'batchSize=5000' },
    });
    expect(huge.json.records).toHaveLength(2000);
  });

  it('queryAll works and its locator continues under /query/', async () => {
    const first = await t.query('SELECT Id FROM LoginHistory', { all: true });
    expect(first.json.totalSize).toBe(5000);
    expect(first.json.nextRecordsUrl).toContain('/query/');
    expect((await t.get(first.json.nextRecordsUrl)).status).toBe(200);
    expect(t.control.counters('acme').endpoints.queryAll).toBe(1);
  });

  it('expires query locators after the configured time with INVALID_QUERY_LOCATOR', async () => {
    t.control.configureOrg('acme', { locatorTtlMinutes: 10 });
    const first = await t.query('SELECT Id FROM LoginHistory');
    t.control.advanceClock(11 * 60_000);
    const expired = await t.get(first.json.nextRecordsUrl);
    expect(expired.status).toBe(400);
    expect(expired.json[0].errorCode).toBe('INVALID_QUERY_LOCATOR');
    const bogus = await t.get('/services/data/v62.0/query/01gXXXXXXXXXXXXXXX-2000');
    expect(bogus.json[0].errorCode).toBe('INVALID_QUERY_LOCATOR');
    t.control.configureOrg('acme', { locatorTtlMinutes: 2880 });
  });

  it('nests relationship fields with their own attributes and returns null lookups as null', async () => {
    const reply = await t.query(
      'SELECT Id, Username, Profile.Name, Profile.UserLicense.Name FROM User ORDER BY Username',
    );
    const records = reply.json.records as {
      Username: string;
      Profile: { Name: string; UserLicense: unknown; attributes: { type: string; url: string } } | null;
    }[];
    const automated = records.find((record) => record.Username.startsWith('autoproc@'));
    expect(automated!.Profile).toBeNull();
    const admin = records.find((record) => record.Profile?.Name === 'System Administrator')!;
    expect(admin.Profile!.attributes.type).toBe('Profile');
    expect(admin.Profile!.attributes.url).toMatch(/^\/services\/data\/v62\.0\/sobjects\/Profile\/00e/);
    expect(admin.Profile!.UserLicense).toMatchObject({
      attributes: { type: 'UserLicense' },
      Name: 'Salesforce',
    });
  });

  it('formats datetimes as 2024-05-01T10:00:00.000+0000', async () => {
    const reply = await t.query('SELECT LoginTime, LoginGeo.Latitude FROM LoginHistory LIMIT 1');
    expect(reply.json.records[0].LoginTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$/);
    expect(typeof reply.json.records[0].LoginGeo.Latitude).toBe('number');
  });

  it('filters with AND/OR/NOT, IN, LIKE, null checks, datetime and date literals', async () => {
    const now = t.control.now().getTime();
    const since = new Date(now - 7 * DAY).toISOString().replace(/\.\d+Z$/, 'Z');
    const recent = await t.query(`SELECT Id, LoginTime FROM LoginHistory WHERE LoginTime >= ${since}`);
    expect(recent.json.totalSize).toBeGreaterThan(0);
    for (const record of recent.json.records)
      expect(Date.parse(record.LoginTime.replace('+0000', 'Z'))).toBeGreaterThanOrEqual(now - 7 * DAY);
    const withOffset = await t.query(
      `SELECT COUNT() FROM LoginHistory WHERE LoginTime >= ${since.replace('Z', '.000+00:00')}`,
    );
    expect(withOffset.json.totalSize).toBe(recent.json.totalSize);
    const literal = await t.query('SELECT COUNT() FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:7');
    expect(literal.json.totalSize).toBeGreaterThanOrEqual(recent.json.totalSize);
    expect(literal.json.records).toEqual([]);

    const users = await t.query(
      "SELECT Id, Username, IsActive, LastLoginDate FROM User WHERE (IsActive = true AND LastLoginDate != null) OR (NOT Username LIKE 'ident%')",
    );
    expect(users.json.totalSize).toBeGreaterThan(0);
    const inList = await t.query(
      `SELECT Id FROM User WHERE Id IN ('${t.org.runAsUserId}', '${t.org.runAsUserId.slice(0, 15)}')`,
    );
    expect(inList.json.totalSize).toBe(1);
    const never = await t.query('SELECT Id FROM User WHERE LastLoginDate = null');
    const truth = t.control.truth('acme');
    expect(never.json.totalSize).toBeGreaterThanOrEqual(truth.neverLoggedInUserIds.length);
    const notIn = await t.query(
      "SELECT COUNT() FROM LoginHistory WHERE LoginType NOT IN ('Application', 'Remote Access 2.0')",
    );
    const inTypes = await t.query(
      "SELECT COUNT() FROM LoginHistory WHERE LoginType IN ('application', 'Remote Access 2.0')",
    );
    expect(notIn.json.totalSize + inTypes.json.totalSize).toBe(5000);
  });

  it('orders by several fields with NULLS FIRST/LAST and applies LIMIT and OFFSET', async () => {
    const reply = await t.query(
      'SELECT Username, LastLoginDate FROM User ORDER BY LastLoginDate DESC NULLS LAST, Username ASC',
    );
    const dates = (reply.json.records as { LastLoginDate: string | null }[]).map(
      (record) => record.LastLoginDate,
    );
    const firstNull = dates.indexOf(null);
    expect(firstNull).toBeGreaterThan(0);
    expect(dates.slice(firstNull).every((date) => date === null)).toBe(true);
    expect([...dates.slice(0, firstNull)].sort().reverse()).toEqual(dates.slice(0, firstNull));
    const nullsFirst = await t.query(
      'SELECT LastLoginDate FROM User ORDER BY LastLoginDate ASC NULLS FIRST LIMIT 1',
    );
    expect(nullsFirst.json.records[0].LastLoginDate).toBeNull();
    const page = await t.query('SELECT Username FROM User ORDER BY Username LIMIT 5 OFFSET 10');
    const all = await t.query('SELECT Username FROM User ORDER BY Username');
    expect(page.json.records.map((r: { Username: string }) => r.Username)).toEqual(
      all.json.records.slice(10, 15).map((r: { Username: string }) => r.Username),
    );
    const desc = await t.query('SELECT Id, LoginTime FROM LoginHistory ORDER BY LoginTime DESC LIMIT 3');
    const times = desc.json.records.map((r: { LoginTime: string }) => r.LoginTime);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('rejects malformed queries with MALFORMED_QUERY', async () => {
    const none = await t.get('/services/data/v62.0/query');
    expect(none.status).toBe(400);
    expect(none.json).toEqual([
      { message: 'A query string has to be specified', errorCode: 'MALFORMED_QUERY' },
    ]);
    const empty = await t.query('  ');
    expect(empty.json).toEqual([
      { message: 'SOQL statements cannot be empty or null', errorCode: 'MALFORMED_QUERY' },
    ]);
    const bad = await t.query('SELECT Id FORM User');
    expect(bad.status).toBe(400);
    expect(bad.json[0]).toEqual({
      message: '\nSELECT Id FORM User\n          ^\nERROR at Row:1:Column:11\nunexpected token: FORM',
      errorCode: 'MALFORMED_QUERY',
    });
  });

  it('rejects unknown fields with the caret-style INVALID_FIELD message', async () => {
    const reply = await t.query('SELECT Id, Username, Bogus__c FROM User');
    expect(reply.status).toBe(400);
    expect(reply.json[0]).toEqual({
      message:
        "\nSELECT Id, Username, Bogus__c FROM User\n                     ^\nERROR at Row:1:Column:22\nNo such column 'Bogus__c' on entity 'User'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
      errorCode: 'INVALID_FIELD',
    });
    const relation = await t.query('SELECT Nope.Name FROM User');
    expect(relation.json[0].errorCode).toBe('INVALID_FIELD');
    expect(relation.json[0].message).toContain("Didn't understand relationship 'Nope'");
  });

  it('rejects unknown objects with INVALID_TYPE', async () => {
    const reply = await t.query('SELECT Id FROM Widget__c');
    expect(reply.status).toBe(400);
    expect(reply.json[0].errorCode).toBe('INVALID_TYPE');
    expect(reply.json[0].message).toContain("sObject type 'Widget__c' is not supported.");
    expect(reply.json[0].message).toContain('ERROR at Row:1:Column:16');
  });

  it("enforces LoginHistory's filterable fields", async () => {
    const reply = await t.query("SELECT Id FROM LoginHistory WHERE Status = 'Success'");
    expect(reply.status).toBe(400);
    expect(reply.json[0].errorCode).toBe('INVALID_FIELD');
    expect(reply.json[0].message).toMatch(/field 'Status' can not be filtered in a query call$/);
    const ordered = await t.query('SELECT Id, Status FROM LoginHistory ORDER BY Status LIMIT 1');
    expect(ordered.status).toBe(200);
  });

  it('rejects type mismatches and offsets over 2000', async () => {
    const quoted = await t.query("SELECT Id FROM LoginHistory WHERE LoginTime > '2024-01-01'");
    expect(quoted.json[0].errorCode).toBe('INVALID_FIELD');
    expect(quoted.json[0].message).toContain('must be of type dateTime and should not be enclosed in quotes');
    const offset = await t.query('SELECT Id FROM User LIMIT 1 OFFSET 2001');
    expect(offset.json[0].errorCode).toBe('NUMBER_OUTSIDE_VALID_RANGE');
  });

  it('reads every documented object', async () => {
    for (const soql of [
      'SELECT Id, Name, OrganizationType, IsSandbox FROM Organization',
      'SELECT Id, Name, Status, TotalLicenses, UsedLicenses, LicenseDefinitionKey FROM UserLicense',
      'SELECT Id, UserId, IsFrozen, IsPasswordLocked FROM UserLogin WHERE IsFrozen = true',
      'SELECT Id, Name, IsOwnedByProfile, PermissionsModifyAllData, PermissionsViewAllData, PermissionsApiUserOnly, PermissionsManageUsers, PermissionsApiEnabled FROM PermissionSet',
      'SELECT AssigneeId, Assignee.Username, PermissionSet.Name, PermissionSet.IsOwnedByProfile FROM PermissionSetAssignment WHERE PermissionSet.PermissionsModifyAllData = true',
      'SELECT Id, City, Country, CountryIso, Latitude, Longitude FROM LoginGeo LIMIT 5',
      'SELECT Id, Name, UserLicense.Name, PermissionsApiUserOnly FROM Profile',
    ]) {
      const reply = await t.query(soql);
      expect(reply.status, soql).toBe(200);
      expect(reply.json.totalSize, soql).toBeGreaterThan(0);
    }
    const org = await t.query('SELECT OrganizationType FROM Organization');
    expect(org.json.records[0].OrganizationType).toBe('Enterprise Edition');
  });
});

describe('permissions as Salesforce applies them', () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startOrg({ users: 40, logins: 2000, runAsCanManageUsers: false });
  });
  afterAll(() => t.close());

  it('a run-as user without Manage Users silently sees only its own LoginHistory rows', async () => {
    const reply = await t.query('SELECT Id, UserId FROM LoginHistory');
    expect(reply.status).toBe(200);
    expect(reply.json.totalSize).toBeGreaterThan(0);
    expect(reply.json.totalSize).toBeLessThan(2000);
    expect(new Set(reply.json.records.map((record: { UserId: string }) => record.UserId))).toEqual(
      new Set([t.org.runAsUserId]),
    );
  });

  it('hides LoginGeo and UserLogin (INVALID_TYPE) without Manage Users, and shows all rows once granted', async () => {
    expect((await t.query('SELECT Id FROM UserLogin')).json[0].errorCode).toBe('INVALID_TYPE');
    expect((await t.query('SELECT Id FROM LoginGeo')).json[0].errorCode).toBe('INVALID_TYPE');
    t.control.configureOrg('acme', { runAsCanManageUsers: true });
    expect((await t.query('SELECT COUNT() FROM LoginHistory')).json.totalSize).toBe(2000);
    const profile = await t.query(
      "SELECT PermissionsManageUsers FROM Profile WHERE Name = 'Identity Collector Integration'",
    );
    expect(profile.json.records[0].PermissionsManageUsers).toBe(true);
  });
});
