/**
 * A full recompute sorts and hashes every login of the integration (the lag()-based rules order all
 * successes by user and time; 4.8 M rows at 5 M logins; the rollup rebuilds group them by user and day).
 * With the default 4 MB work_mem those sorts spill to disk; set_config(…, true) (SET LOCAL) raises the limit
 * for that one transaction only, so normal traffic and the incremental recompute (a few thousand rows) keep
 * the server default.
 */
export const FULL_RECOMPUTE_WORK_MEM = '256MB';
