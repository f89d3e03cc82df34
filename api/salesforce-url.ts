// The guard lives in platform/ because the worker applies the same rules before it sends a secret or a token.
export {
  checkSalesforceUrl,
  type LocalSalesforceUrls,
  type SalesforceUrlCheck,
} from '../platform/salesforce-url';
