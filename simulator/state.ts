import type { SimulatorClock } from './clock';
import type { Org } from './org/org';

/** Everything one simulator instance owns; created by createSimulator, never shared between instances. */
export interface SimulatorState {
  clock: SimulatorClock;
  orgs: Map<string, Org>;
  nextOrgNumber: number;
  /** The server's own origin once listening, so createOrg can answer with absolute URLs. */
  publicUrl: string | null;
}

export const ORG_PATH_PREFIX = '/orgs';

export function orgBasePath(key: string): string {
  return `${ORG_PATH_PREFIX}/${key}`;
}
