import { CURSOR_TIME_FORMAT, type Sql } from '../../platform/database';
import type { CsvColumn } from '../csv';
import { userIdForms } from '../salesforce-id';

export interface TimelineRow {
  loginHistoryId: string;
  loginTime: string;
  status: string | null;
  loginType: string | null;
  application: string | null;
  sourceIp: string | null;
  country: string | null;
  city: string | null;
  browser: string | null;
  platform: string | null;
}

export const timelineColumns: CsvColumn<TimelineRow>[] = [
  { header: 'login_history_id', value: (r) => r.loginHistoryId },
  { header: 'login_time', value: (r) => r.loginTime },
  { header: 'status', value: (r) => r.status },
  { header: 'login_type', value: (r) => r.loginType },
  { header: 'application', value: (r) => r.application },
  { header: 'source_ip', value: (r) => r.sourceIp },
  { header: 'country', value: (r) => r.country },
  { header: 'city', value: (r) => r.city },
  { header: 'browser', value: (r) => r.browser },
  { header: 'platform', value: (r) => r.platform },
];

/** Position after the last login of a timeline page (newest first). */
export interface TimelineCursor {
  /** LoginTime as PostgreSQL's microsecond UTC text, so no row is skipped by millisecond rounding. */
  loginTime: string;
  id: string;
}

/**
 * One user's logins in [from, to), newest first, through the (integration, user, login_time) index: a page of
 * `limit` and the cursor of the next one (null when the range is exhausted), so no caller cuts the timeline
 * without saying so.
 */
export async function loginTimeline(
  sql: Sql,
  integrationId: string,
  {
    userId,
    from,
    to,
    limit,
    after,
  }: { userId: string; from: Date; to: Date; limit: number; after?: TimelineCursor },
): Promise<{ rows: TimelineRow[]; next: TimelineCursor | null }> {
  const rows = await sql<
    {
      id: string;
      login_time: Date;
      cursor_time: string;
      status: string | null;
      login_type: string | null;
      application: string | null;
      source_ip: string | null;
      country: string | null;
      city: string | null;
      browser: string | null;
      platform: string | null;
    }[]
  >`
    select id, login_time, to_char(login_time at time zone 'UTC', ${CURSOR_TIME_FORMAT}) as cursor_time,
      status, login_type, application, source_ip,
      coalesce(geo_country_iso, country_iso) as country, geo_city as city, browser, platform
    from sf_login_history
    where integration_id = ${integrationId} and user_id = any(${userIdForms(userId)}::text[])
      and login_time >= ${from} and login_time < ${to}
      ${after ? sql`and (login_time, id) < (${after.loginTime}::text::timestamptz, ${after.id})` : sql``}
    order by login_time desc, id desc
    limit ${limit + 1}
  `;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page.map((row) => ({
      loginHistoryId: row.id,
      loginTime: row.login_time.toISOString(),
      status: row.status,
      loginType: row.login_type,
      application: row.application,
      sourceIp: row.source_ip,
      country: row.country,
      city: row.city,
      browser: row.browser,
      platform: row.platform,
    })),
    next: rows.length > limit && last ? { loginTime: last.cursor_time, id: last.id } : null,
  };
}
