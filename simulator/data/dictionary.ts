/** Interns repeated strings (statuses, browsers, apps) so a column stores one small integer per row. */
export interface Dictionary<T> {
  readonly values: readonly (T | null)[];
  /** Code 0 always stands for null. */
  code(value: T | null): number;
  value(code: number): T | null;
}

export function createDictionary<T>(keyOf: (value: T) => string = String): Dictionary<T> {
  const values: (T | null)[] = [null];
  const codes = new Map<string, number>();
  // Shared catalog objects (geos) repeat by identity, so most lookups skip building a key.
  const byIdentity = new Map<T, number>();
  return {
    values,
    code(value) {
      if (value === null) return 0;
      const known = byIdentity.get(value);
      if (known !== undefined) return known;
      const key = keyOf(value);
      let code = codes.get(key);
      if (code === undefined) {
        code = values.length;
        values.push(value);
        codes.set(key, code);
      }
      if (typeof value === 'object') byIdentity.set(value, code);
      return code;
    },
    value: (code) => values[code] ?? null,
  };
}
