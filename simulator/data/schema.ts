export type FieldType =
  'id' | 'reference' | 'string' | 'picklist' | 'boolean' | 'datetime' | 'date' | 'int' | 'double';

export interface FieldDef {
  name: string;
  type: FieldType;
  /** False for fields the object reference does not mark "Filter" (e.g. LoginHistory.Status). */
  filterable: boolean;
  referenceTo?: string;
  relationshipName?: string;
}

export interface ObjectDef {
  name: string;
  fields: FieldDef[];
  fieldByLowerName: Map<string, FieldDef>;
  relationshipByLowerName: Map<string, FieldDef>;
}

type FieldSpec = [name: string, type: FieldType, extra?: { filterable?: boolean; to?: string; rel?: string }];

function defineObject(name: string, specs: FieldSpec[]): ObjectDef {
  const fields = specs.map(([fieldName, type, extra]): FieldDef => {
    const field: FieldDef = { name: fieldName, type, filterable: extra?.filterable ?? true };
    if (extra?.to) field.referenceTo = extra.to;
    if (extra?.rel) field.relationshipName = extra.rel;
    return field;
  });
  return {
    name,
    fields,
    fieldByLowerName: new Map(fields.map((field) => [field.name.toLowerCase(), field])),
    relationshipByLowerName: new Map(
      fields
        .filter((field) => field.relationshipName)
        .map((field) => [field.relationshipName!.toLowerCase(), field]),
    ),
  };
}

const audit: FieldSpec[] = [
  ['CreatedDate', 'datetime'],
  ['CreatedById', 'reference'],
  ['LastModifiedDate', 'datetime'],
  ['LastModifiedById', 'reference'],
  ['SystemModstamp', 'datetime'],
];

const permissionFlags: FieldSpec[] = [
  ['PermissionsApiEnabled', 'boolean'],
  ['PermissionsApiUserOnly', 'boolean'],
  ['PermissionsManageUsers', 'boolean'],
  // "Manage Internal Users" and "Manage External Users" (API names ManageInternalUsers, ManagePartners).
  ['PermissionsManageInternalUsers', 'boolean'],
  ['PermissionsManagePartners', 'boolean'],
  ['PermissionsModifyAllData', 'boolean'],
  ['PermissionsViewAllData', 'boolean'],
  ['PermissionsViewSetup', 'boolean'],
];

export const PERMISSION_FIELDS = permissionFlags.map(([name]) => name);

/** Fields per Salesforce's Object Reference (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_list.htm). */
export const OBJECTS: readonly ObjectDef[] = [
  defineObject('Organization', [
    ['Id', 'id'],
    ['Name', 'string'],
    ['OrganizationType', 'picklist'],
    ['InstanceName', 'string'],
    ['IsSandbox', 'boolean'],
    ['TrialExpirationDate', 'datetime'],
    ['NamespacePrefix', 'string'],
    ['Country', 'string'],
    ['DefaultLocaleSidKey', 'picklist'],
    ['LanguageLocaleKey', 'picklist'],
    ['TimeZoneSidKey', 'picklist'],
    ...audit,
  ]),
  defineObject('UserLicense', [
    ['Id', 'id'],
    ['Name', 'string'],
    ['MasterLabel', 'string'],
    ['LicenseDefinitionKey', 'string'],
    ['Status', 'picklist'],
    ['TotalLicenses', 'int'],
    ['UsedLicenses', 'int'],
    ['CreatedDate', 'datetime'],
    ['LastModifiedDate', 'datetime'],
    ['SystemModstamp', 'datetime'],
  ]),
  defineObject('Profile', [
    ['Id', 'id'],
    ['Name', 'string'],
    ['Description', 'string'],
    ['UserType', 'picklist'],
    ['UserLicenseId', 'reference', { to: 'UserLicense', rel: 'UserLicense' }],
    ...permissionFlags,
    ...audit,
  ]),
  defineObject('User', [
    ['Id', 'id'],
    ['Username', 'string'],
    ['Name', 'string'],
    ['FirstName', 'string'],
    ['LastName', 'string'],
    ['Email', 'string'],
    ['Alias', 'string'],
    ['Title', 'string'],
    ['Department', 'string'],
    ['IsActive', 'boolean'],
    ['UserType', 'picklist'],
    ['ProfileId', 'reference', { to: 'Profile', rel: 'Profile' }],
    ['UserRoleId', 'reference'],
    ['ManagerId', 'reference', { to: 'User', rel: 'Manager' }],
    ['ContactId', 'reference'],
    ['AccountId', 'reference'],
    ['IsPortalEnabled', 'boolean'],
    ['FederationIdentifier', 'string'],
    ['TimeZoneSidKey', 'picklist'],
    ['LastLoginDate', 'datetime'],
    ['LastPasswordChangeDate', 'datetime'],
    ...audit,
  ]),
  defineObject('UserLogin', [
    ['Id', 'id'],
    ['UserId', 'reference', { to: 'User', rel: 'User' }],
    ['IsFrozen', 'boolean'],
    ['IsPasswordLocked', 'boolean'],
    ['LastModifiedDate', 'datetime'],
    ['LastModifiedById', 'reference'],
  ]),
  defineObject('PermissionSet', [
    ['Id', 'id'],
    ['Name', 'string'],
    ['Label', 'string'],
    ['Type', 'picklist'],
    ['IsOwnedByProfile', 'boolean'],
    ['ProfileId', 'reference', { to: 'Profile', rel: 'Profile' }],
    ['LicenseId', 'reference'],
    ...permissionFlags,
    ...audit,
  ]),
  defineObject('PermissionSetAssignment', [
    ['Id', 'id'],
    ['AssigneeId', 'reference', { to: 'User', rel: 'Assignee' }],
    ['PermissionSetId', 'reference', { to: 'PermissionSet', rel: 'PermissionSet' }],
    ['PermissionSetGroupId', 'reference'],
    ['ExpirationDate', 'datetime'],
    ['IsActive', 'boolean'],
    ['IsRevoked', 'boolean'],
    ['SystemModstamp', 'datetime'],
  ]),
  defineObject('LoginHistory', [
    // Only AuthenticationServiceId, CipherSuite, CountryIso, Id, LoginTime, LoginType, LoginUrl, NetworkId,
    // OptionsIsGet, OptionsIsPost, TlsProtocol and UserId are filterable (LoginHistory, Object Reference).
    ['Id', 'id'],
    ['UserId', 'reference', { to: 'User', rel: 'User' }],
    ['LoginTime', 'datetime'],
    ['LoginType', 'picklist'],
    ['LoginSubType', 'picklist', { filterable: false }],
    ['LoginUrl', 'string'],
    ['SourceIp', 'string', { filterable: false }],
    ['Status', 'string', { filterable: false }],
    ['Application', 'string', { filterable: false }],
    ['Browser', 'string', { filterable: false }],
    ['Platform', 'string', { filterable: false }],
    ['ApiType', 'string', { filterable: false }],
    ['ApiVersion', 'string', { filterable: false }],
    ['ClientVersion', 'string', { filterable: false }],
    ['CipherSuite', 'picklist'],
    ['TlsProtocol', 'picklist'],
    ['CountryIso', 'string'],
    ['LoginGeoId', 'reference', { to: 'LoginGeo', rel: 'LoginGeo', filterable: false }],
    ['AuthenticationServiceId', 'reference'],
    ['AuthMethodReference', 'string', { filterable: false }],
    ['NetworkId', 'reference'],
    ['OptionsIsGet', 'boolean'],
    ['OptionsIsPost', 'boolean'],
    ['ForwardedForIp', 'string', { filterable: false }],
  ]),
  defineObject('LoginGeo', [
    ['Id', 'id'],
    ['City', 'string'],
    ['Country', 'string'],
    ['CountryIso', 'string'],
    ['Subdivision', 'string'],
    ['PostalCode', 'string'],
    ['Latitude', 'double'],
    ['Longitude', 'double'],
    ['LoginTime', 'datetime'],
    ...audit,
  ]),
];

export const OBJECT_BY_LOWER_NAME = new Map(OBJECTS.map((object) => [object.name.toLowerCase(), object]));

export function objectDef(name: string): ObjectDef {
  const object = OBJECT_BY_LOWER_NAME.get(name.toLowerCase());
  if (!object) throw new Error(`unknown object ${name}`);
  return object;
}
