import { describe, expect, it } from 'vitest';
import { useTestServices } from '../../support/context';
import { at, fullRun, loginFactory, splitAt, splitRun, uid, type Org } from './harness';

const { sql } = useTestServices();

describe('api_only_user_interactive_login', () => {
  const integration = uid(7);
  const repurposedOn = new Date('2026-04-01T00:00:00Z');
  const org: Org = {
    users: [{ id: integration, profileId: '00eAPIONLY', lastModifiedAt: repurposedOn }],
    permissionSets: [{ id: '0PSAPIONLY00001', profileId: '00eAPIONLY', apiUserOnly: true }],
  };

  it('reports SAML and UI logins after the user became API-only, not those before (D6)', async () => {
    const make = loginFactory();
    const before = make({ userId: integration, at: at('2026-03-20T09:00:00Z') });
    const saml = make({
      userId: integration,
      at: at('2026-05-20T09:00:00Z'),
      loginType: 'SAML Sfdc Initiated SSO',
    });
    const api = make({ userId: integration, at: at('2026-05-20T10:00:00Z'), loginType: 'Remote Access 2.0' });
    const run = await fullRun(sql, org, [before, saml, api]);
    expect(run.findings.map((f) => [f.kind, f.evidence])).toEqual([
      ['api_only_user_interactive_login', [saml.id]],
    ]);
  });

  it('logins straddling a run boundary give the counters of a full run', async () => {
    const make = loginFactory();
    const logins = Array.from({ length: 6 }, (_, i) =>
      make({ userId: integration, at: at('2026-05-20T09:00:00Z', i * 120) }),
    );
    const full = await fullRun(sql, org, logins);
    const split = await splitRun(sql, org, splitAt(logins, at('2026-05-20T13:00:00Z')));
    expect(full.findings[0]!.details).toMatchObject({ attempts: 6, successes: 6 });
    expect(split.findings).toEqual(full.findings);
  });
});
