import { z } from '@hono/zod-openapi';

const timestamp = z.string().openapi({ format: 'date-time' });

export const SalesforceUserSchema = z
  .object({
    id: z.string().openapi({ description: 'Salesforce User Id (005…)' }),
    username: z.string(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    alias: z.string().nullable(),
    isActive: z.boolean(),
    userType: z.string().nullable(),
    profileId: z.string().nullable(),
    profileName: z.string().nullable(),
    userLicenseId: z.string().nullable(),
    userLicenseName: z.string().nullable(),
    userRoleId: z.string().nullable(),
    federationIdentifier: z.string().nullable(),
    lastLoginAt: timestamp.nullable(),
    lastPasswordChangeAt: timestamp.nullable(),
    createdAt: timestamp.nullable(),
    lastModifiedAt: timestamp.nullable(),
    isFrozen: z
      .boolean()
      .openapi({ description: 'From UserLogin; false when no UserLogin row was collected.' }),
    isPasswordLocked: z.boolean(),
    collectedAt: timestamp,
  })
  .openapi('SalesforceUser');

export const LoginEventSchema = z
  .object({
    id: z.string().openapi({ description: 'LoginHistory Id' }),
    userId: z.string(),
    username: z.string().nullable().openapi({ description: 'From the collected users; null if unknown.' }),
    loginTime: timestamp,
    loginType: z.string().nullable(),
    loginSubType: z.string().nullable(),
    status: z.string().nullable(),
    sourceIp: z.string().nullable(),
    application: z.string().nullable(),
    browser: z.string().nullable(),
    platform: z.string().nullable(),
    loginUrl: z.string().nullable(),
    countryIso: z.string().nullable(),
    apiType: z.string().nullable(),
    apiVersion: z.string().nullable(),
    tlsProtocol: z.string().nullable(),
    geo: z.object({
      city: z.string().nullable(),
      country: z.string().nullable(),
      countryIso: z.string().nullable(),
      subdivision: z.string().nullable(),
      latitude: z.number().nullable(),
      longitude: z.number().nullable(),
    }),
  })
  .openapi('LoginEvent');

const booleanQuery = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();
const dateTimeQuery = z.iso.datetime({ offset: true }).optional();

export const UserQuerySchema = z.object({
  active: booleanQuery.openapi({ description: 'Only active (true) or inactive (false) users.' }),
  license: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'UserLicense name, e.g. Salesforce.' }),
  profile: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Profile name, e.g. System Administrator.' }),
  lastLoginBefore: dateTimeQuery.openapi({ description: 'Last login strictly before this time (ISO 8601).' }),
  lastLoginAfter: dateTimeQuery.openapi({ description: 'Last login at or after this time (ISO 8601).' }),
  neverLoggedIn: booleanQuery.openapi({
    description: 'Only users with no recorded login (true) or with one (false).',
  }),
  frozen: booleanQuery.openapi({ description: 'Frozen in Setup (UserLogin.IsFrozen).' }),
});

export const LoginQuerySchema = z.object({
  userId: z
    .string()
    .regex(/^[A-Za-z0-9]{15,18}$/, 'must be a Salesforce Id')
    .optional()
    .openapi({ description: 'Salesforce User Id.' }),
  username: z.string().min(1).max(200).optional().openapi({ description: 'Username of a collected user.' }),
  status: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Exact LoginHistory Status, e.g. Success.' }),
  loginType: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'e.g. Application, Remote Access 2.0.' }),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 two-letter code')
    .optional()
    .openapi({ description: 'Two-letter country code (CountryIso or geolocation).' }),
  sourceIp: z.string().min(1).max(64).optional().openapi({ description: 'Exact source IP.' }),
  from: dateTimeQuery.openapi({ description: 'Logins at or after this time (ISO 8601).' }),
  to: dateTimeQuery.openapi({ description: 'Logins strictly before this time (ISO 8601).' }),
});

export type SalesforceUser = z.infer<typeof SalesforceUserSchema>;
export type LoginEvent = z.infer<typeof LoginEventSchema>;
