import { ApplicationFailure } from '@temporalio/common';
import type { Sql } from '../platform/database';
import type { SecretBox } from '../platform/secrets';
import { parseIntegrationOptions, type IntegrationOptions } from '../platform/integration-options';
import type { SalesforceConnection } from '../salesforce/client';
import type { IntegrationRow } from '../store/integrations';

export interface LoadedIntegration {
  connection: SalesforceConnection;
  options: IntegrationOptions;
  enabled: boolean;
}

/** What a collection or a Test Connectivity needs: the connection, its sealed secret and the options. */
const loadedColumns = [
  'id',
  'salesforce_url',
  'consumer_key',
  'consumer_secret_ciphertext',
  'consumer_secret_key_id',
  'consumer_secret_bound',
  'credentials_version',
  'options',
  'enabled',
] as const satisfies readonly (keyof IntegrationRow)[];

/**
 * The one place the consumer secret is decrypted: it goes straight into the Salesforce client's token request
 * and is never returned to a workflow, logged or put in an error.
 */
export async function loadIntegration(
  deps: { sql: Sql; secrets: SecretBox },
  integrationId: string,
): Promise<LoadedIntegration> {
  const [row] = await deps.sql<Pick<IntegrationRow, (typeof loadedColumns)[number]>[]>`
    select ${deps.sql(loadedColumns)} from integrations
    where id = ${integrationId} and disconnected_at is null`;
  if (!row) {
    throw ApplicationFailure.nonRetryable(
      `Integration ${integrationId} does not exist or is disconnected`,
      'IntegrationNotFound',
    );
  }
  let options: IntegrationOptions;
  try {
    options = parseIntegrationOptions(row.options);
  } catch (error) {
    throw ApplicationFailure.nonRetryable(
      `Integration ${integrationId} has invalid options: ${(error as Error).message}`,
      'InvalidIntegrationOptions',
    );
  }
  let consumerSecret: string;
  try {
    consumerSecret = deps.secrets.decrypt(
      row.consumer_secret_ciphertext,
      row.consumer_secret_key_id,
      row.consumer_secret_bound ? row.id : null,
    );
  } catch (error) {
    // The key id is not configured or the ciphertext does not authenticate: an operator must fix the keys.
    throw ApplicationFailure.nonRetryable(
      `Cannot decrypt the consumer secret of integration ${integrationId}: ${(error as Error).name === 'UnknownSecretKeyError' ? (error as Error).message : 'authentication failed'}`,
      'SecretDecryptionFailed',
    );
  }
  return {
    connection: {
      integrationId: row.id,
      salesforceUrl: row.salesforce_url,
      consumerKey: row.consumer_key,
      consumerSecret,
      credentialsVersion: row.credentials_version,
    },
    options,
    enabled: row.enabled,
  };
}
