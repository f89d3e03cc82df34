import { z } from 'zod';

const userId = z.string().min(15).max(18).optional();

/** Attack and hygiene patterns that can be planted into an org; each one is recorded in the truth. */
export const scenarioSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('bruteForce'),
    userId,
    failures: z.number().int().min(10).max(500).default(12),
  }),
  z.object({
    kind: z.literal('passwordSpray'),
    users: z.number().int().min(16).max(500).default(20),
    ip: z.ipv4().optional(),
  }),
  z.object({
    kind: z.literal('impossibleTravel'),
    userId,
    minutesApart: z.number().min(1).max(29).default(10),
  }),
  z.object({ kind: z.literal('dormantReactivation'), userId }),
  z.object({
    kind: z.literal('inactiveUserAttempt'),
    userId,
    attempts: z.number().int().min(1).max(50).default(3),
  }),
  z.object({
    kind: z.literal('frozenUserAttempt'),
    userId,
    attempts: z.number().int().min(1).max(50).default(3),
  }),
  z.object({ kind: z.literal('apiOnlyUiLogin'), userId, status: z.string().min(1).default('Success') }),
  z.object({ kind: z.literal('newCountry'), userId }),
  z.object({ kind: z.literal('privilegedUnused'), days: z.number().int().min(30).max(3650).default(30) }),
]);

export type ScenarioSpec = z.input<typeof scenarioSpecSchema>;
export type ScenarioKind = ScenarioSpec['kind'];

export interface PlantedScenario {
  id: string;
  kind: ScenarioKind;
  /** The user the pattern is about (for password spray: the first targeted user). */
  userId: string;
  userIds: string[];
  /** LoginHistory ids of the rows that make up the pattern. */
  evidenceIds: string[];
  /** Other records involved, e.g. the PermissionSetAssignment that made a user privileged. */
  relatedIds: string[];
  plantedAt: string;
  sourceIp: string | null;
  countries: string[];
  description: string;
}
