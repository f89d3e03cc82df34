import type { Sql } from '../../platform/database';
import type { DetectedIncident } from '../finding-kinds';
import { apiOnlyUsersSince } from '../user-classes';
import { attemptIncidents, attemptsInSpans, type AttemptIncidentRow } from './attempt-incidents';
import { hours, spansJson, type DetectionScope, type Rule } from './rule';

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
export const apiOnlyUserInteractiveLogin: Rule = {
  kind: 'api_only_user_interactive_login',
  title: 'Interactive login by an API-only user',
  description:
    'UI, SSO, Lightning Login, passwordless or certificate logins by an API-only user after it became API-only; ' +
    'logins closer than incidentGapHours are one incident.',
  severity: 'medium',
  escalation: { severity: 'high', when: 'one of the logins succeeded' },
  thresholds: ['incidentGapHours'],
  reevaluation: 'extend',
  honoursTrustedNetworks: false,
  async detect(sql, scope) {
    const rows = await attemptIncidents(
      sql,
      attempts(sql, scope, scope.evaluateFrom),
      hours(scope.config.incidentGapHours),
    );
    return rows.map((row) => toIncident(row, row.first_at, row.last_at, scope));
  },
  async expand(sql, scope, spans) {
    const from = new Date(Math.min(...spans.map((s) => s.spanFrom.getTime()))).toISOString();
    const rows = await attemptsInSpans(sql, attempts(sql, scope, from), spansJson(spans));
    return rows.map((row) => toIncident(row, row.span_from, row.span_to, scope));
  },
};

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

function toIncident(
  row: AttemptIncidentRow,
  spanFrom: Date,
  spanTo: Date,
  { config }: DetectionScope,
): DetectedIncident {
  return {
    kind: 'api_only_user_interactive_login',
    severity: row.successes > 0 ? 'high' : 'medium',
    subject: row.user_id,
    userId: row.user_id,
    userIds: [row.user_id],
    sourceIp: null,
    evidenceLoginIds: row.evidence,
    details: { attempts: row.attempts, successes: row.successes },
    firstSeenAt: row.first_at,
    lastSeenAt: row.last_at,
    spanFrom,
    spanTo,
    continuationSeconds: config.incidentGapHours * 3600,
  };
}
