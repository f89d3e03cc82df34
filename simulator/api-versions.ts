/**
 * API versions the simulator serves. Release names follow Salesforce's three releases a year
 * (v31.0 = Summer '14, v59.0 = Winter '24, v66.0 = Spring '26). Versions 7.0–30.0 are retired and answer
 * 410 (help.salesforce.com article 000354473).
 */
export const OLDEST_SUPPORTED_VERSION = 31;
export const LATEST_VERSION = 66;

export interface ApiVersion {
  label: string;
  url: string;
  version: string;
}

export function listVersions(): ApiVersion[] {
  const seasons = ['Summer', 'Winter', 'Spring'] as const;
  const versions: ApiVersion[] = [];
  for (let major = OLDEST_SUPPORTED_VERSION; major <= LATEST_VERSION; major++) {
    const step = major - OLDEST_SUPPORTED_VERSION;
    const season = seasons[step % 3] ?? 'Summer';
    const year = 14 + Math.floor((step + 2) / 3);
    versions.push({
      label: `${season} '${String(year).padStart(2, '0')}`,
      url: `/services/data/v${major}.0`,
      version: `${major}.0`,
    });
  }
  return versions;
}

export type VersionCheck = { kind: 'ok'; version: string } | { kind: 'retired' } | { kind: 'unknown' };

export function checkVersion(segment: string): VersionCheck {
  const match = /^v(\d+)\.0$/.exec(segment);
  if (!match) return { kind: 'unknown' };
  const major = Number(match[1]);
  if (major >= 7 && major < OLDEST_SUPPORTED_VERSION) return { kind: 'retired' };
  if (major < OLDEST_SUPPORTED_VERSION || major > LATEST_VERSION) return { kind: 'unknown' };
  return { kind: 'ok', version: `${major}.0` };
}
