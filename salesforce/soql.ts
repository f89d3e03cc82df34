/**
 * Literal helpers for the few values we put into SOQL. Salesforce Ids are 15/18 alphanumeric characters;
 * anything else is refused rather than escaped. Datetime literals are unquoted ISO-8601 in UTC
 * (soql_sosl sforce_api_calls_soql_select_dateformats.htm; LoginHistory's own example uses milliseconds).
 */
export function idLiteral(id: string): string {
  if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id))
    throw new Error(`Not a Salesforce Id: ${JSON.stringify(id)}`);
  return `'${id}'`;
}

export function datetimeLiteral(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new Error(`Not a datetime: ${String(value)}`);
  return date.toISOString();
}

/** Salesforce datetimes come back as `2024-05-01T10:00:00.000+0000`; returns canonical ISO (UTC, ms, Z). */
export function parseSalesforceDatetime(value: string): string {
  const normalised = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const date = new Date(normalised);
  if (Number.isNaN(date.getTime())) throw new Error(`Unreadable Salesforce datetime: ${value}`);
  return date.toISOString();
}
