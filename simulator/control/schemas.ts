import { z } from 'zod';

export const appendLoginsSchema = z
  .object({
    count: z.number().int().min(1).max(5_000_000),
    /** Every new row gets the same LoginTime (a burst sharing one second). */
    sameLoginTime: z.boolean().default(false),
    /** The (last) LoginTime of the new rows; default: now. Moves the clock forward when in the future. */
    at: z.coerce.date().optional(),
  })
  .strict();

export const touchUsersSchema = z.object({ count: z.number().int().min(1).max(1_000_000) }).strict();

export const truthQuerySchema = z
  .object({
    asOf: z.coerce.date().optional(),
    unusedDays: z.coerce.number().int().min(1).max(3650).default(90),
  })
  .strict();

export const advanceClockSchema = z
  .object({
    ms: z.number().min(0).optional(),
    minutes: z.number().min(0).optional(),
    hours: z.number().min(0).optional(),
    days: z.number().min(0).optional(),
  })
  .strict();

export const consumeApiCallsSchema = z.object({ count: z.number().int().min(1).max(100_000_000) }).strict();

export type AppendLoginsInput = z.input<typeof appendLoginsSchema>;
export type TouchUsersInput = z.input<typeof touchUsersSchema>;
export type TruthQuery = z.input<typeof truthQuerySchema>;
