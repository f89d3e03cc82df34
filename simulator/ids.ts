/**
 * Salesforce record ids: 15 case-sensitive characters (3-character key prefix, then instance and serial),
 * plus a 3-character suffix that encodes the case of the first 15 so that the 18-character form is
 * case-insensitive. Ids here are prefix + org code (3) + base62 serial (9), so one process can host many
 * orgs without collisions, and a serial can be decoded back to a row number.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const SERIAL_WIDTH = 9;

export const KEY_PREFIX = {
  Organization: '00D',
  User: '005',
  Profile: '00e',
  UserLicense: '100',
  UserLogin: '0Yw',
  LoginHistory: '0Ya',
  LoginGeo: '04F',
  PermissionSet: '0PS',
  PermissionSetAssignment: '0Pa',
  QueryLocator: '01g',
} as const;

export function base62(value: number, width: number): string {
  let out = '';
  let rest = Math.floor(value);
  for (let i = 0; i < width; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  if (rest > 0) throw new RangeError(`value ${value} does not fit in ${width} base62 digits`);
  return out;
}

function decodeBase62(text: string): number {
  let value = 0;
  for (const char of text) {
    const digit = BASE62.indexOf(char);
    if (digit < 0) return -1;
    value = value * 62 + digit;
  }
  return value;
}

/** Appends the documented case-checksum suffix to a 15-character id. */
export function to18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id15.charCodeAt(chunk * 5 + i);
      if (char >= 65 && char <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX[bits];
  }
  return id15 + suffix;
}

export function makeId(prefix: string, orgCode: string, serial: number): string {
  return to18(prefix + orgCode + base62(serial, SERIAL_WIDTH));
}

/** The serial of an id with the given prefix and org, or -1 when the id is not one of ours. */
export function serialOf(id: string, prefix: string, orgCode: string): number {
  if (id.length !== 15 && id.length !== 18) return -1;
  if (!id.startsWith(prefix + orgCode)) return -1;
  const id15 = id.slice(0, 15);
  if (id.length === 18 && to18(id15) !== id) return -1;
  return decodeBase62(id15.slice(6));
}

export function orgCodeFor(orgNumber: number): string {
  return base62(orgNumber, 3);
}

/** Normalises a 15- or 18-character id to its 15-character case-sensitive form for comparisons. */
export function id15(id: string): string {
  return id.length === 18 ? id.slice(0, 15) : id;
}
