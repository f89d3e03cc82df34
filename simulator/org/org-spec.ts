import { z } from 'zod';
import { scenarioSpecSchema } from '../generator/scenario-spec';
import { EDITIONS } from './editions';

const configurable = {
  clientCredentialsEnabled: z.boolean(),
  runAsUser: z.boolean(),
  runAsCanManageUsers: z.boolean(),
  runAsApiEnabled: z.boolean(),
  /** "Manage External Users" (PermissionsManagePartners) on the run-as user. */
  runAsCanManageExternalUsers: z.boolean(),
  /** "API Only User" (PermissionsApiUserOnly) on the run-as user. */
  runAsApiOnly: z.boolean(),
  /** collector: its own profile; minimumAccess: the "Minimum Access - API Only Integrations" profile. */
  runAsProfile: z.enum(['collector', 'minimumAccess']),
  /** The licence of the run-as user's profile. */
  runAsLicense: z.enum(['Salesforce', 'Salesforce Integration']),
  /** The app enforces IP restrictions and our address is not allowed: the token request fails. */
  ipRestricted: z.boolean(),
  apiEnabled: z.boolean(),
  dailyApiMax: z.number().int().min(1),
  sessionTimeoutMinutes: z
    .number()
    .min(1)
    .max(24 * 60),
  locatorTtlMinutes: z
    .number()
    .min(0.01)
    .max(30 * 24 * 60),
};

export const orgSpecSchema = z
  .object({
    key: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes')
      .optional(),
    name: z.string().min(1).max(80).optional(),
    edition: z.enum(EDITIONS).default('Enterprise Edition'),
    users: z.number().int().min(5).max(200_000).default(50),
    logins: z.number().int().min(0).max(20_000_000).default(2000),
    seed: z.number().int().optional(),
    clientCredentialsEnabled: configurable.clientCredentialsEnabled.default(true),
    runAsUser: configurable.runAsUser.default(true),
    runAsCanManageUsers: configurable.runAsCanManageUsers.default(true),
    runAsApiEnabled: configurable.runAsApiEnabled.default(true),
    runAsCanManageExternalUsers: configurable.runAsCanManageExternalUsers.default(true),
    runAsApiOnly: configurable.runAsApiOnly.default(true),
    runAsProfile: configurable.runAsProfile.default('collector'),
    runAsLicense: configurable.runAsLicense.default('Salesforce'),
    ipRestricted: configurable.ipRestricted.default(false),
    apiEnabled: configurable.apiEnabled.optional(),
    dailyApiMax: configurable.dailyApiMax.optional(),
    sessionTimeoutMinutes: configurable.sessionTimeoutMinutes.default(120),
    // Cursors last 2 days since API v56.0 (limits cheat sheet, API cursors).
    locatorTtlMinutes: configurable.locatorTtlMinutes.default(2 * 24 * 60),
    scenarios: z.array(scenarioSpecSchema).default([]),
  })
  .strict();

export const orgPatchSchema = z.object(configurable).partial().strict();

export type OrgSpec = z.input<typeof orgSpecSchema>;
export type OrgPatch = z.input<typeof orgPatchSchema>;
export type OrgConfig = Required<z.output<typeof orgPatchSchema>> & {
  key: string;
  name: string;
  edition: z.output<typeof orgSpecSchema>['edition'];
  seed: number;
  consumerKey: string;
  consumerSecret: string;
};
