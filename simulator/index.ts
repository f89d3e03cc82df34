export { createSimulator, type Simulator, type SimulatorOptions } from './simulator';
export { startSimulator, PortInUseError, type RunningSimulator, type StartOptions } from './server';
export type {
  SimulatorControl,
  CreatedOrg,
  OrgSummary,
  CounterSnapshot,
  AppendedLogins,
} from './control/control';
export { ControlError, type ControlErrorCode } from './control/errors';
export type { AppendLoginsInput, TouchUsersInput, TruthQuery } from './control/schemas';
export type { OrgSpec, OrgPatch } from './org/org-spec';
export { EDITIONS, type Edition } from './org/editions';
export type { Faults, FaultsInput } from './org/faults';
export type { ScenarioSpec, ScenarioKind, PlantedScenario } from './generator/scenario-spec';
export type { Truth } from './generator/truth';
export { LATEST_VERSION } from './api-versions';
export { CONTROL_PREFIX } from './control/routes';
export { clientCredentialsRequest } from './client-credentials';
