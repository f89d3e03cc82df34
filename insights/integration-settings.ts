import type { Sql } from '../platform/database';
import { parseIntegrationOptions, type IntegrationOptions } from '../platform/integration-options';

/** The integration's stored options, parsed; null when the integration does not exist. */
export async function loadIntegrationOptions(
  sql: Sql,
  integrationId: string,
): Promise<IntegrationOptions | null> {
  const [row] = await sql<
    { options: unknown }[]
  >`select options from integrations where id = ${integrationId}`;
  return row ? parseIntegrationOptions(row.options) : null;
}
