const ID_SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * The forms a User Id given by a person can be stored under: the id itself and, for a 15-character id, its
 * 18-character form (Salesforce stores and the API returns 18; a 15-character one is what Setup URLs show).
 */
export function userIdForms(id: string): string[] {
  const long = salesforceId18(id);
  return long === id ? [id] : [id, long];
}

/**
 * The 18-character form of a Salesforce id: the 15-character id plus its case-checksum suffix, one character
 * per five characters whose bits mark the upper-case letters
 * (ID field type: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm). Stored ids are 18 characters, so a
 * 15-character id copied from a Salesforce URL would otherwise match nothing.
 */
export function salesforceId18(id: string): string {
  if (id.length !== 15) return id;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id.charCodeAt(chunk * 5 + i);
      if (char >= 65 && char <= 90) bits |= 1 << i;
    }
    suffix += ID_SUFFIX[bits];
  }
  return id + suffix;
}
