import type { Sql } from '../../platform/database';
import { apiOnlyUsersSince } from '../user-classes';
import { attemptRule } from './attempt-incidents';
import type { DetectionScope } from './rule';

/**
 * LoginHistory.LoginType values of a person at a login page (interactive), as API names and the labels
 * query results carry (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_loginhistory.htm):
 * the username/password page, SAML and third-party single sign-on, Lightning Login, passwordless and
 * certificate logins. Compared lower-cased without spaces so "SAML Sfdc Initiated SSO" and "Saml2" both match.
 */
export const INTERACTIVE_LOGIN_TYPES = [
  'application',
  'saml',
  'samlidpinitiatedsso',
  'saml2',
  'samlsfdcinitiatedsso',
  'thirdpartysso',
  'lightninglogin',
  'passwordlesslogin',
  'certificate',
];

/**
 * Interactive logins by API-only users (design-lessons §(b)9): their credentials are meant for an
 * integration, so a person using them at a login page is suspect. Only logins after the user became
 * API-only count (user-classes.ts `apiOnlyUsersSince`): a sales user repurposed as an integration user must
 * not have months of earlier UI logins reported.
 */
export const apiOnlyUserInteractiveLogin = attemptRule(
  {
    kind: 'api_only_user_interactive_login',
    title: 'Interactive login by an API-only user',
    description:
      'UI, SSO, Lightning Login, passwordless or certificate logins by an API-only user after it became API-only; ' +
      'logins closer than incidentGapHours are one incident.',
    severity: 'medium',
    escalation: { severity: 'high', when: 'one of the logins succeeded' },
  },
  attempts,
  (row) => ({ attempts: row.attempts, successes: row.successes }),
);

function attempts(sql: Sql, { integrationId }: DetectionScope, from: string) {
  return sql`
    select h.user_id, null::text as state, h.id, h.login_time, h.status
    from (${apiOnlyUsersSince(sql, integrationId)}) a
    join sf_login_history h
      on h.integration_id = ${integrationId} and h.user_id = a.user_id
      and h.login_time >= ${from}::text::timestamptz and h.login_time >= a.since
      and lower(replace(h.login_type, ' ', '')) = any(${INTERACTIVE_LOGIN_TYPES}::text[])
  `;
}
