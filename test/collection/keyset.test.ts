import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { advance, keysetWhere } from '../../activities/collection/keyset';
import { objectSpecs } from '../../activities/collection/objects';
import type { Position } from '../../activities/collection/cursor-store';

const base: Position = {
  nextRecordsUrl: null,
  lastAt: null,
  lastId: null,
  pages: 0,
  records: 0,
  windowStart: null,
  startedAt: '2026-05-01T00:00:00.000Z',
};
const login = (id: string, at: string) => ({ id, loginTime: at });

describe('keyset cursor', () => {
  it('continues strictly after (LoginTime, Id), inclusive of a bare lower bound', () => {
    const spec = objectSpecs.LoginHistory;
    expect(keysetWhere(spec, base)).toBeNull();
    expect(keysetWhere(spec, { ...base, lastAt: '2026-05-01T10:00:00.000Z' })).toBe(
      'LoginTime >= 2026-05-01T10:00:00.000Z',
    );
    expect(
      keysetWhere(spec, { ...base, lastAt: '2026-05-01T10:00:00.000Z', lastId: '0Ya000000000001AAA' }),
    ).toBe(
      "(LoginTime > 2026-05-01T10:00:00.000Z OR (LoginTime = 2026-05-01T10:00:00.000Z AND Id > '0Ya000000000001AAA'))",
    );
    expect(keysetWhere(objectSpecs.PermissionSetAssignment, { ...base, lastId: '0Pa000000000001AAA' })).toBe(
      "Id > '0Pa000000000001AAA'",
    );
    expect(() =>
      keysetWhere(spec, { ...base, lastAt: '2026-05-01T10:00:00.000Z', lastId: "x' OR Id != '" }),
    ).toThrow();
  });

  it('refuses pages that do not move the cursor', () => {
    const spec = objectSpecs.LoginHistory;
    const at = '2026-05-01T10:00:00.000Z';
    const position = {
      ...base,
      nextRecordsUrl: '/services/data/v62.0/query/01g-200',
      lastAt: at,
      lastId: '0Ya000000000002AAA',
    };
    const same = {
      totalSize: 9,
      done: false,
      nextRecordsUrl: '/services/data/v62.0/query/01g-200',
      records: [],
    };
    expect(() => advance(spec, position, [login('0Ya000000000003AAA', at)], same)).toThrow(
      ApplicationFailure,
    );
    const empty = {
      totalSize: 9,
      done: false,
      nextRecordsUrl: '/services/data/v62.0/query/01g-400',
      records: [],
    };
    expect(() => advance(spec, position, [], empty)).toThrow(/empty page/);
    const repeat = {
      totalSize: 9,
      done: false,
      nextRecordsUrl: '/services/data/v62.0/query/01g-400',
      records: [],
    };
    expect(() => advance(spec, position, [login('0Ya000000000002AAA', at)], repeat)).toThrow(/previous row/);
    expect(() =>
      advance(spec, position, [login('0Ya000000000009AAA', '2026-05-01T09:00:00.000Z')], repeat),
    ).toThrow(/before the previous row/);
    const next = advance(spec, position, [login('0Ya000000000003AAA', at)], repeat);
    expect(next).toMatchObject({
      lastId: '0Ya000000000003AAA',
      pages: 1,
      records: 1,
      nextRecordsUrl: repeat.nextRecordsUrl,
    });
  });
});
