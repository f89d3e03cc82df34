import { z } from 'zod';
import { parseSalesforceDatetime } from '../../../salesforce/soql';

/**
 * Lenient field schemas for Salesforce JSON (REST query results, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm): unknown
 * fields are allowed, nulls are
 * normal (a null lookup comes back as `null`), datetimes look like `2024-05-01T10:00:00.000+0000`.
 */
export const text = z
  .string()
  .nullish()
  .transform((v) => v ?? null);
export const flag = z
  .boolean()
  .nullish()
  .transform((v) => v ?? null);
export const number = z
  .number()
  .nullish()
  .transform((v) => v ?? null);
/** Salesforce's datetime format, e.g. 2024-05-01T10:00:00.000+0000. */
export const SALESFORCE_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
/** A 15- or 18-character Salesforce record Id. */
export const ID_PATTERN = /^[a-zA-Z0-9]{15,18}$/;
export const datetime = z
  .string()
  .regex(SALESFORCE_DATETIME)
  .nullish()
  .transform((v) => (v ? parseSalesforceDatetime(v) : null));
export const requiredDatetime = z
  .string()
  .regex(SALESFORCE_DATETIME)
  .transform((v) => parseSalesforceDatetime(v));
export const id = z.string().regex(ID_PATTERN);
