import type { Lifecycle, OrgData, Person, Role } from '../data/org-data';
import type { RecordRow } from '../data/table';
import { KEY_PREFIX } from '../ids';
import type { Edition } from '../org/editions';
import type { Random } from '../random';
import {
  BROWSERS,
  CITIES,
  DATACENTERS,
  DEPARTMENTS,
  FIRST_NAMES,
  INTEGRATION_APPS,
  LAST_NAMES,
  PLATFORMS,
  TIME_ZONES,
  TITLES,
  type City,
} from './catalog';

const DAY = 86_400_000;

export interface DirectoryOptions {
  orgName: string;
  edition: Edition;
  users: number;
  now: number;
  runAsCanManageUsers: boolean;
  runAsApiEnabled: boolean;
  runAsCanManageExternalUsers: boolean;
  runAsApiOnly: boolean;
}

type Flags = Partial<
  Record<
    | 'ApiEnabled'
    | 'ApiUserOnly'
    | 'ManageUsers'
    | 'ManageInternalUsers'
    | 'ManagePartners'
    | 'ModifyAllData'
    | 'ViewAllData'
    | 'ViewSetup',
    boolean
  >
>;

/** The run-as profile's permissions as the org's switches set them (see OrgSpec). */
export function runAsFlags(options: {
  runAsCanManageUsers: boolean;
  runAsApiEnabled: boolean;
  runAsCanManageExternalUsers: boolean;
  runAsApiOnly: boolean;
}): Flags {
  return {
    ManageUsers: options.runAsCanManageUsers,
    ManageInternalUsers: options.runAsCanManageUsers,
    ManagePartners: options.runAsCanManageExternalUsers,
    ApiEnabled: options.runAsApiEnabled,
    ApiUserOnly: options.runAsApiOnly,
  };
}

export function permissionColumns(flags: Flags): RecordRow {
  return {
    PermissionsApiEnabled: flags.ApiEnabled ?? false,
    PermissionsApiUserOnly: flags.ApiUserOnly ?? false,
    PermissionsManageUsers: flags.ManageUsers ?? false,
    PermissionsManageInternalUsers: flags.ManageInternalUsers ?? flags.ManageUsers ?? false,
    PermissionsManagePartners: flags.ManagePartners ?? false,
    PermissionsModifyAllData: flags.ModifyAllData ?? false,
    PermissionsViewAllData: flags.ViewAllData ?? false,
    PermissionsViewSetup: flags.ViewSetup ?? false,
  };
}

export const RUN_AS_PROFILE = 'Identity Collector Integration';
export const MINIMUM_ACCESS_PROFILE = 'Minimum Access - API Only Integrations';
export const ELEVATED_PERMISSION_SET = 'Elevated_Modify_All_Data';

const LICENSES = [
  ['Salesforce', 'SFDC'],
  ['Salesforce Platform', 'AUL'],
  ['Chatter Free', 'PID_Chatter'],
  ['Customer Community', 'PID_Customer_Community'],
  ['Salesforce Integration', 'PID_Salesforce_Integration'],
  ['Analytics Cloud Integration User', 'PID_Analytics_Cloud_Integration'],
] as const;

const PROFILES: { name: string; license: string; userType: string; flags: Flags }[] = [
  {
    name: 'System Administrator',
    license: 'Salesforce',
    userType: 'Standard',
    flags: {
      ApiEnabled: true,
      ManageUsers: true,
      ManagePartners: true,
      ModifyAllData: true,
      ViewAllData: true,
      ViewSetup: true,
    },
  },
  { name: 'Standard User', license: 'Salesforce', userType: 'Standard', flags: { ApiEnabled: true } },
  { name: 'Sales Representative', license: 'Salesforce', userType: 'Standard', flags: { ApiEnabled: true } },
  {
    name: 'Standard Platform User',
    license: 'Salesforce Platform',
    userType: 'Standard',
    flags: { ApiEnabled: true },
  },
  { name: 'Chatter Free User', license: 'Chatter Free', userType: 'CsnOnly', flags: {} },
  { name: 'Customer Community User', license: 'Customer Community', userType: 'CspLitePortal', flags: {} },
  {
    name: MINIMUM_ACCESS_PROFILE,
    license: 'Salesforce Integration',
    userType: 'Standard',
    flags: { ApiEnabled: true, ApiUserOnly: true },
  },
  {
    // A full Salesforce licence: the Salesforce Integration licence cannot hold Manage Users.
    name: RUN_AS_PROFILE,
    license: 'Salesforce',
    userType: 'Standard',
    flags: { ApiUserOnly: true, ViewSetup: true },
  },
];

const CUSTOM_PERMISSION_SETS: { name: string; label: string; flags: Flags }[] = [
  { name: 'Sales_Cloud_User', label: 'Sales Cloud User', flags: {} },
  {
    name: 'Helpdesk_User_Management',
    label: 'Helpdesk User Management',
    flags: { ManageUsers: true, ViewSetup: true },
  },
  { name: 'Audit_View_All_Data', label: 'Audit View All Data', flags: { ViewAllData: true } },
  {
    name: ELEVATED_PERMISSION_SET,
    label: 'Elevated Modify All Data',
    flags: { ModifyAllData: true, ViewAllData: true },
  },
];

const ROLE_PROFILE: Record<Exclude<Role, 'system'>, string[]> = {
  admin: ['System Administrator'],
  standard: ['Standard User', 'Sales Representative'],
  platform: ['Standard Platform User'],
  chatter: ['Chatter Free User'],
  community: ['Customer Community User'],
  integration: [MINIMUM_ACCESS_PROFILE],
  runAs: [RUN_AS_PROFILE],
};

const ROLE_WEIGHT: Record<Role, number> = {
  admin: 8,
  standard: 4,
  platform: 3,
  chatter: 1,
  community: 1.5,
  integration: 40,
  runAs: 20,
  system: 0,
};

function plan(users: number, random: Random): { role: Role; lifecycle: Lifecycle }[] {
  const people: { role: Role; lifecycle: Lifecycle }[] = [
    { role: 'runAs', lifecycle: 'active' },
    { role: 'system', lifecycle: 'never' },
  ];
  const humans = Math.max(3, users - people.length);
  const admins = Math.max(1, Math.round(humans * 0.02));
  const integrations = Math.max(1, Math.round(humans * 0.02));
  for (let i = 0; i < admins; i++) people.push({ role: 'admin', lifecycle: 'active' });
  for (let i = 0; i < integrations; i++) people.push({ role: 'integration', lifecycle: 'active' });
  const rest = humans - admins - integrations;
  for (let i = 0; i < rest; i++) {
    const role = random.weighted<Role>([
      ['standard', 0.66],
      ['platform', 0.14],
      ['chatter', 0.1],
      ['community', 0.1],
    ]);
    // Fixed early slots guarantee every lifecycle exists even in a 20-user org.
    const forced: Lifecycle[] = ['inactive', 'frozen', 'never', 'dormant', 'dormant', 'newHire', 'newHire'];
    const lifecycle =
      forced[i] ??
      random.weighted<Lifecycle>([
        ['active', 0.69],
        ['newHire', 0.08],
        ['inactive', 0.08],
        ['frozen', 0.02],
        ['never', 0.04],
        ['dormant', 0.09],
      ]);
    people.push({ role, lifecycle });
  }
  return people;
}

/** Creates Organization, licences, profiles, permission sets, users and their assignments. */
export function generateDirectory(data: OrgData, random: Random, options: DirectoryOptions): void {
  const { now } = options;
  const historyStart = data.historyStart;
  const { records } = data;
  const orgCreated = historyStart - 900 * DAY;
  const audit = (at: number) => ({
    CreatedDate: at,
    CreatedById: null,
    LastModifiedDate: at,
    LastModifiedById: null,
    SystemModstamp: at,
  });
  const homeCountry = random.weighted<string>([
    ['US', 0.55],
    ['GB', 0.15],
    ['DE', 0.1],
    ['FR', 0.05],
    ['IN', 0.05],
    ['AU', 0.05],
    ['JP', 0.05],
  ]);

  records.Organization.insert({
    Id: data.orgId,
    Name: options.orgName,
    OrganizationType: options.edition,
    InstanceName: 'NA224',
    IsSandbox: false,
    TrialExpirationDate: null,
    NamespacePrefix: null,
    Country: homeCountry,
    DefaultLocaleSidKey: 'en_US',
    LanguageLocaleKey: 'en_US',
    TimeZoneSidKey: TIME_ZONES[homeCountry] ?? 'GMT',
    ...audit(orgCreated),
  });

  const licenseIds = new Map<string, string>();
  for (const [name, key] of LICENSES) {
    const id = data.newId(KEY_PREFIX.UserLicense);
    licenseIds.set(name, id);
    records.UserLicense.insert({
      Id: id,
      Name: name,
      MasterLabel: name,
      LicenseDefinitionKey: key,
      Status: name === 'Analytics Cloud Integration User' ? 'Disabled' : 'Active',
      TotalLicenses: 0,
      UsedLicenses: 0,
      CreatedDate: orgCreated,
      LastModifiedDate: orgCreated,
      SystemModstamp: orgCreated,
    });
  }

  const profileIds = new Map<string, string>();
  const profilePermissionSetIds = new Map<string, string>();
  for (const profile of PROFILES) {
    const id = data.newId(KEY_PREFIX.Profile);
    const flags: Flags =
      profile.name === RUN_AS_PROFILE
        ? {
            ...profile.flags,
            ...runAsFlags(options),
          }
        : profile.flags;
    profileIds.set(profile.name, id);
    records.Profile.insert({
      Id: id,
      Name: profile.name,
      Description: null,
      UserType: profile.userType,
      UserLicenseId: licenseIds.get(profile.license) ?? null,
      ...permissionColumns(flags),
      ...audit(orgCreated),
    });
    // Every profile owns a permission set holding its permissions (IsOwnedByProfile, PermissionSet docs).
    const permissionSetId = data.newId(KEY_PREFIX.PermissionSet);
    profilePermissionSetIds.set(profile.name, permissionSetId);
    records.PermissionSet.insert({
      Id: permissionSetId,
      Name: `X${id.slice(0, 15)}`,
      Label: profile.name,
      Type: 'Profile',
      IsOwnedByProfile: true,
      ProfileId: id,
      LicenseId: licenseIds.get(profile.license) ?? null,
      ...permissionColumns(flags),
      ...audit(orgCreated),
    });
  }
  const customPermissionSetIds = new Map<string, string>();
  for (const permissionSet of CUSTOM_PERMISSION_SETS) {
    const id = data.newId(KEY_PREFIX.PermissionSet);
    customPermissionSetIds.set(permissionSet.name, id);
    records.PermissionSet.insert({
      Id: id,
      Name: permissionSet.name,
      Label: permissionSet.label,
      Type: 'Regular',
      IsOwnedByProfile: false,
      ProfileId: null,
      LicenseId: null,
      ...permissionColumns(permissionSet.flags),
      ...audit(orgCreated + 30 * DAY),
    });
  }

  const assign = (userId: string, permissionSetId: string, at: number) =>
    records.PermissionSetAssignment.insert({
      Id: data.newId(KEY_PREFIX.PermissionSetAssignment),
      AssigneeId: userId,
      PermissionSetId: permissionSetId,
      PermissionSetGroupId: null,
      ExpirationDate: null,
      IsActive: true,
      IsRevoked: false,
      SystemModstamp: at,
    });

  const domain = `${options.orgName.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example.com`;
  const homeCities = CITIES.filter((city) => city.countryIso === homeCountry);
  const usedNames = new Map<string, number>();
  let helpdeskLeft = Math.max(1, Math.round(options.users * 0.01));
  let auditorsLeft = Math.max(1, Math.round(options.users * 0.005));

  for (const { role, lifecycle } of plan(options.users, random)) {
    const integrationLike = role === 'integration' || role === 'runAs';
    const first = role === 'runAs' ? 'Identity' : role === 'system' ? 'Automated' : random.pick(FIRST_NAMES);
    const last =
      role === 'runAs'
        ? 'Collector'
        : role === 'system'
          ? 'Process'
          : integrationLike
            ? 'Integration'
            : random.pick(LAST_NAMES);
    const base = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
    const seen = usedNames.get(base) ?? 0;
    usedNames.set(base, seen + 1);
    const username = `${base}${seen === 0 ? '' : seen}@${domain}`;
    const home: City = integrationLike
      ? random.pick(DATACENTERS)
      : random.chance(0.8) && homeCities.length > 0
        ? random.pick(homeCities)
        : random.pick(CITIES);
    const ipInCity = () =>
      `${home.ipPrefix[0]}.${home.ipPrefix[1]}.${random.int(256)}.${1 + random.int(254)}`;

    let created = historyStart - random.between(30, 1500) * DAY;
    let activeFrom = historyStart;
    let activeUntil = now + 1;
    let loginBeforeHistory: number | null = null;
    let changedAt = created;
    if (lifecycle === 'newHire') {
      created = historyStart + random.between(5, 150) * DAY;
      activeFrom = created + random.between(0.1, 3) * DAY;
      changedAt = created;
    } else if (lifecycle === 'inactive' || lifecycle === 'frozen') {
      activeUntil = historyStart + random.between(20, 170) * DAY;
      changedAt = activeUntil;
    } else if (lifecycle === 'dormant') {
      if (random.chance(0.5)) {
        activeUntil = now - random.between(100, 165) * DAY;
      } else {
        activeUntil = historyStart;
        loginBeforeHistory = historyStart - random.between(10, 300) * DAY;
        if (loginBeforeHistory < created) created = loginBeforeHistory - 30 * DAY;
      }
    } else if (lifecycle === 'never') {
      created = random.chance(0.5) ? now - random.between(100, 600) * DAY : now - random.between(2, 60) * DAY;
      activeUntil = activeFrom;
      changedAt = created;
    }
    if (role === 'system') created = orgCreated;
    // Salesforce datetimes carry whole seconds; fractional values would print differently from what filters compare.
    created = Math.floor(created / 1000) * 1000;
    changedAt = Math.floor(changedAt / 1000) * 1000;
    const profileName = role === 'system' ? null : random.pick(ROLE_PROFILE[role]);
    const person: Person = {
      role,
      lifecycle,
      homeGeo: home,
      ips: [ipInCity(), ...(random.chance(0.4) ? [ipInCity()] : [])],
      weight: ROLE_WEIGHT[role] * random.between(0.4, 2.5),
      activeFrom,
      activeUntil,
      sso: !integrationLike && role !== 'community' && random.chance(0.25),
      browser: random.pick(BROWSERS),
      platform: random.pick(PLATFORMS),
      integrationApp:
        role === 'runAs'
          ? 'Identity Collector'
          : integrationLike
            ? random.pick(INTEGRATION_APPS.slice(1))
            : null,
      loginBeforeHistory,
    };
    const userId = data.newId(KEY_PREFIX.User);
    const userType =
      role === 'system'
        ? 'AutomatedProcess'
        : (PROFILES.find((profile) => profile.name === profileName)?.userType ?? 'Standard');
    records.User.insert({
      Id: userId,
      Username: role === 'system' ? `autoproc@${domain}` : username,
      Name: `${first} ${last}`,
      FirstName: role === 'system' ? null : first,
      LastName: last,
      Email: role === 'system' ? `autoproc@${domain}` : username,
      Alias: `${first.slice(0, 1)}${last.slice(0, 4)}`.toLowerCase(),
      Title: integrationLike || role === 'system' ? null : random.pick(TITLES),
      Department: integrationLike || role === 'system' ? null : random.pick(DEPARTMENTS),
      IsActive: lifecycle !== 'inactive',
      UserType: userType,
      ProfileId: profileName ? (profileIds.get(profileName) ?? null) : null,
      UserRoleId: null,
      ManagerId: null,
      ContactId: null,
      AccountId: null,
      IsPortalEnabled: role === 'community',
      FederationIdentifier: person.sso ? username : null,
      TimeZoneSidKey: TIME_ZONES[home.countryIso] ?? 'America/New_York',
      LastLoginDate: null,
      LastPasswordChangeDate: integrationLike || role === 'system' ? null : created + DAY,
      ...audit(created),
      LastModifiedDate: changedAt,
      SystemModstamp: changedAt,
    });
    data.people.push(person);
    records.UserLogin.insert({
      Id: data.newId(KEY_PREFIX.UserLogin),
      UserId: userId,
      IsFrozen: lifecycle === 'frozen',
      IsPasswordLocked: lifecycle === 'active' && role !== 'admin' && !integrationLike && random.chance(0.01),
      LastModifiedDate: lifecycle === 'frozen' ? changedAt : created,
      LastModifiedById: null,
    });
    if (profileName) assign(userId, profilePermissionSetIds.get(profileName)!, created);
    if (role === 'standard' && random.chance(0.5))
      assign(userId, customPermissionSetIds.get('Sales_Cloud_User')!, created);
    if (role === 'standard' && lifecycle === 'active') {
      if (helpdeskLeft > 0 && random.chance(0.1)) {
        helpdeskLeft--;
        assign(userId, customPermissionSetIds.get('Helpdesk_User_Management')!, created);
      } else if (auditorsLeft > 0 && random.chance(0.1)) {
        auditorsLeft--;
        assign(userId, customPermissionSetIds.get('Audit_View_All_Data')!, created);
      }
    }
  }

  // TotalLicenses leaves headroom over what active users consume, like a purchased contract.
  const used = new Map<string, number>();
  for (const user of records.User.rows) {
    if (user.IsActive !== true || !user.ProfileId) continue;
    const profile = records.Profile.rows[records.Profile.rowOfId(String(user.ProfileId))];
    const license = String(profile?.UserLicenseId);
    used.set(license, (used.get(license) ?? 0) + 1);
  }
  for (const license of records.UserLicense.rows) {
    const count = used.get(String(license.Id)) ?? 0;
    license.UsedLicenses = count;
    license.TotalLicenses = license.Status === 'Disabled' ? 0 : Math.ceil((count * 1.15 + 2) / 5) * 5;
  }
}

/** Salesforce and Salesforce Platform licences drive the daily API allocation (help 000386972). */
export function fullLicenseCount(data: OrgData): number {
  return data.records.UserLicense.rows
    .filter((license) => license.Name === 'Salesforce' || license.Name === 'Salesforce Platform')
    .reduce((sum, license) => sum + Number(license.TotalLicenses), 0);
}
