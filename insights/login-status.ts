import type { Sql } from '../platform/database';

/**
 * What a LoginHistory.Status says about the attempt. Salesforce documents LoginHistory.Status only as
 * "either success or a reason for failure"; the reasons are the "Details" column of the Login event type's
 * LOGIN_STATUS table (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_eventlogfile_login_status.htm),
 * which is what LoginHistory shows, with capitalisation that varies ("Invalid Password", "User Is Frozen").
 * Matching is therefore case-insensitive on the trimmed text.
 *
 * - `credential_failure`: a wrong password (or SSO password) was presented: the only evidence of guessing.
 * - `lockout`: the account is locked after repeated wrong passwords; an attempt still presented credentials.
 * - `policy_block`: the credential was not judged or was accepted, but an org policy refused the login
 *   (IP ranges, login hours, API token, licence, rate limits): configuration noise, never guessing.
 * - `account_state`: the user is inactive or frozen.
 * - `verification_challenge`: the password was accepted and Salesforce asked for a second factor or device
 *   activation, so after a burst of failures it means the attacker knows the password.
 * - `unknown`: any other text. Deliberately NOT counted as guessing (an unrecognised policy message would
 *   otherwise become a never-closing brute force, the failure mode this table exists to prevent); the
 *   authentication review still counts it as a failure, and `unknownStatuses` in the recompute log names it.
 */
export const loginStatusClasses = [
  'success',
  'credential_failure',
  'lockout',
  'policy_block',
  'account_state',
  'verification_challenge',
  'unknown',
] as const;
export type LoginStatusClass = (typeof loginStatusClasses)[number];

export const LOGIN_STATUS_SOURCE =
  'https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_eventlogfile_login_status.htm';

/** Documented LOGIN_STATUS codes with the text LoginHistory.Status carries, and their class. */
export const documentedLoginStatuses: readonly {
  code: string;
  status: string;
  class: Exclude<LoginStatusClass, 'unknown'>;
}[] = [
  { code: 'LOGIN_NO_ERROR', status: 'Success', class: 'success' },
  { code: 'LOGIN_ERROR_INVALID_PASSWORD', status: 'Invalid Password', class: 'credential_failure' },
  { code: 'LOGIN_ERROR_INVALID_USERNAME', status: 'Invalid login', class: 'credential_failure' },
  { code: 'LOGIN_ERROR_PASSWORD_LOCKOUT', status: 'Password Lockout', class: 'lockout' },
  { code: 'LOGIN_ERROR_USER_INACTIVE', status: 'User is Inactive', class: 'account_state' },
  { code: 'LOGIN_ERROR_USER_FROZEN', status: 'User is Frozen', class: 'account_state' },
  {
    code: 'LOGIN_CHALLENGE_ISSUED',
    status: 'Failed: Computer activation required',
    class: 'verification_challenge',
  },
  {
    code: 'LOGIN_CHALLENGE_PENDING',
    status: 'Failed: Computer activation pending',
    class: 'verification_challenge',
  },
  {
    code: 'LOGIN_TWOFACTOR_REQ',
    status: 'Multi-factor (formerly called two-factor) is required',
    class: 'verification_challenge',
  },
  { code: 'LOGIN_LIGHTNING_LOGIN', status: 'Lightning Login required', class: 'verification_challenge' },
  { code: 'LOGIN_ERROR_RESTRICTED_DOMAIN', status: 'Restricted IP', class: 'policy_block' },
  { code: 'LOGIN_ERROR_RESTRICTED_TIME', status: 'Restricted time', class: 'policy_block' },
  { code: 'LOGIN_ERROR_RESTRICTED_TIME', status: 'Invalid login hours', class: 'policy_block' },
  { code: 'LOGIN_ERROR_EXPORT_RESTRICTED', status: 'Restricted country', class: 'policy_block' },
  { code: 'LOGIN_ERROR_GLOBAL_BLOCK_DOMAIN', status: 'Restricted domain', class: 'policy_block' },
  { code: 'LOGIN_ERROR_RATE_EXCEEDED', status: 'Login rate exceeded', class: 'policy_block' },
  { code: 'LOGIN_ERROR_LOGINS_EXCEEDED', status: 'Maximum logins exceeded', class: 'policy_block' },
  { code: 'LOGIN_ERROR_USER_API_ONLY', status: 'Failed: API-only user', class: 'policy_block' },
  {
    code: 'LOGIN_ERROR_MUST_USE_API_TOKEN',
    status: 'Failed: API security token required',
    class: 'policy_block',
  },
  { code: 'LOGIN_ERROR_USER_NON_MOBILE', status: 'Failed: Mobile License Required', class: 'policy_block' },
  { code: 'LOGIN_OAUTH_INVALID_IP', status: 'Failed: IP Address Not Allowed', class: 'policy_block' },
  { code: 'LOGIN_OAUTH_API_DISABLED', status: 'Failed: OAuth API access disabled', class: 'policy_block' },
  {
    code: 'LOGIN_ERROR_INSECURE_LOGIN',
    status: 'Failed: Login over insecure channel',
    class: 'policy_block',
  },
  { code: 'LOGIN_ERROR_CLIENT_REQ_UPDATE', status: 'Failed: Client update required', class: 'policy_block' },
  { code: 'LOGIN_ERROR_HTP_METHD_INVALID', status: 'Failed: Invalid HTTP method', class: 'policy_block' },
  { code: 'LOGIN_ERROR_INVALID_GATEWAY', status: 'Invalid gateway', class: 'policy_block' },
  {
    code: 'LOGIN_ERROR_APPEXCHANGE_DOWN',
    status: 'Unable to process your login request',
    class: 'policy_block',
  },
  { code: 'LOGIN_ORG_TRIAL_EXP', status: 'Trial Expired', class: 'policy_block' },
];

const normalise = (status: string) => status.trim().toLowerCase();

const byStatus = new Map(documentedLoginStatuses.map((s) => [normalise(s.status), s.class]));

/** The class of one Status value (null, a missing Status, is `unknown`). */
export function classifyLoginStatus(status: string | null): LoginStatusClass {
  return status === null ? 'unknown' : (byStatus.get(normalise(status)) ?? 'unknown');
}

/** Lower-cased Status texts of the given classes, for `lower(btrim(status)) = any(…)` in SQL. */
export function statusesOf(...classes: LoginStatusClass[]): string[] {
  return documentedLoginStatuses.filter((s) => classes.includes(s.class)).map((s) => normalise(s.status));
}

/**
 * SQL predicate: `column`'s Status is one of `classes`. It keeps `status <> 'Success'` for failure classes so
 * the partial failure indexes (`where status <> 'Success'`) still apply.
 */
export function statusIs(sql: Sql, column: string, ...classes: LoginStatusClass[]) {
  const others = statusesOf(...classes.filter((c) => c !== 'success'));
  const failure = sql`(${sql(column)} <> 'Success' and lower(btrim(${sql(column)})) = any(${others}::text[]))`;
  // "Success" is matched exactly, as everywhere else, so the `where status = 'Success'` indexes apply.
  if (!classes.includes('success')) return failure;
  return others.length === 0
    ? sql`${sql(column)} = 'Success'`
    : sql`(${sql(column)} = 'Success' or ${failure})`;
}

/** Statuses brute force counts: wrong passwords, and attempts made while locked out by them. */
export const GUESS_CLASSES: LoginStatusClass[] = ['credential_failure', 'lockout'];
/** Statuses that prove the password was right: a success, or a second-factor/device challenge. */
export const PASSWORD_ACCEPTED_CLASSES: LoginStatusClass[] = ['success', 'verification_challenge'];
