import { Hono } from 'hono';
import { createClock, type ClockOptions } from './clock';
import { createControl, type SimulatorControl } from './control/control';
import { CONTROL_PREFIX, controlRoutes } from './control/routes';
import { salesforceRoutes } from './http/salesforce-routes';
import type { SimulatorState } from './state';

export interface SimulatorOptions {
  clock?: ClockOptions;
  /** The server's origin (e.g. http://127.0.0.1:4010), so createOrg returns absolute Salesforce URLs. */
  publicUrl?: string;
}

export interface Simulator {
  app: Hono;
  control: SimulatorControl;
  /** Sets the origin used in URLs returned by the control API (startSimulator does this once listening). */
  setPublicUrl(url: string): void;
}

/** Builds the app and its control; it never listens (see startSimulator and main.ts). */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const state: SimulatorState = {
    clock: createClock(options.clock),
    orgs: new Map(),
    nextOrgNumber: 1,
    publicUrl: options.publicUrl ?? null,
  };
  const control = createControl(state);
  const app = new Hono();
  app.route(CONTROL_PREFIX, controlRoutes(state, control));
  app.route('/', salesforceRoutes(state));
  app.onError((error, c) => {
    console.error('simulator error', error);
    return c.json([{ message: 'An unexpected error occurred.', errorCode: 'UNKNOWN_EXCEPTION' }], 500);
  });
  return {
    app,
    control,
    setPublicUrl(url) {
      state.publicUrl = url.replace(/\/$/, '');
    },
  };
}
