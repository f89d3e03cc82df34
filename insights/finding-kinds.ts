export const findingKinds = [
  'brute_force',
  'password_spray',
  'impossible_travel',
  'new_country',
  'dormant_account_reactivated',
  'inactive_user_attempts',
  'privileged_user_unused',
  'api_only_user_interactive_login',
] as const;
export type FindingKind = (typeof findingKinds)[number];

export const findingSeverities = ['low', 'medium', 'high', 'critical'] as const;
export type FindingSeverity = (typeof findingSeverities)[number];

export const findingStatuses = ['open', 'acknowledged', 'resolved'] as const;
export type FindingStatus = (typeof findingStatuses)[number];

/** One incident as a detection sees it in this run, before it is matched to a stored finding. */
export interface DetectedIncident {
  kind: FindingKind;
  severity: FindingSeverity;
  /** What the incident is about: a user id, a source IP (spray) or user:country (new country). */
  subject: string;
  userId: string | null;
  userIds: string[];
  sourceIp: string | null;
  evidenceLoginIds: string[];
  details: Record<string, unknown>;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /**
   * A stored finding of the same kind and subject whose [first, last] seen lies within this many seconds
   * of the incident is the same incident continued (e.g. an attack spanning two collection runs).
   */
  continuationSeconds: number;
}

/** Evidence arrays are capped so a week-long attack cannot grow a finding row without bound. */
export const MAX_EVIDENCE = 500;
