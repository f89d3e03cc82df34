import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Operators find an integration's workflow in the Temporal UI with these, e.g.
 * `IntegrationState = "paused_for_quota"`. Never put secrets or personal data here: search attributes are
 * stored unencrypted in the visibility store (https://docs.temporal.io/search-attribute).
 */
export const IntegrationIdAttribute = defineSearchAttributeKey('IntegrationId', 'KEYWORD');
export const IntegrationDisplayNameAttribute = defineSearchAttributeKey('IntegrationDisplayName', 'KEYWORD');
export const IntegrationStateAttribute = defineSearchAttributeKey('IntegrationState', 'KEYWORD');
export const TenantIdAttribute = defineSearchAttributeKey('TenantId', 'KEYWORD');

export const customSearchAttributes = [
  IntegrationIdAttribute,
  IntegrationDisplayNameAttribute,
  IntegrationStateAttribute,
  TenantIdAttribute,
] as const;
