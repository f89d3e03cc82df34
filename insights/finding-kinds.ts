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
   * The events the rule groups incidents on (the qualifying failures of a window rule, the pair of logins
   * of impossible travel, the login itself for point-in-time kinds). Evidence can be wider (a window's
   * earlier failures, a success after it), so continuation compares spans, never first/last seen.
   */
  spanFrom: Date;
  spanTo: Date;
  /**
   * Another incident or a stored finding of the same kind and subject whose span comes within this many
   * seconds of this one's is the same incident: the rule's own split rule, applied across runs and inside
   * one batch alike, so a split recompute and a full one group identically.
   */
  continuationSeconds: number;
  /** Evidence that must survive the evidence cap (the success or challenge that made it critical). */
  keyEvidenceIds?: string[];
}

/** Evidence arrays are capped so a week-long attack cannot grow a finding row without bound. */
export const MAX_EVIDENCE = 500;
