import { describe, expect, it } from 'vitest';
import { findingKinds, findingSeverities, findingStatuses } from '../../insights/finding-kinds';
import { useTestServices } from '../support/context';

const { sql } = useTestServices();

/**
 * The values a check constraint of `findings` allows for `column`, as the migrated database holds them
 * (pg_get_constraintdef prints `column = ANY (ARRAY['a'::text, 'b'::text])`).
 */
async function allowedValues(column: string): Promise<string[]> {
  const rows = await sql<{ definition: string }[]>`
    select pg_get_constraintdef(c.oid) as definition
    from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
    where c.conrelid = 'findings'::regclass and c.contype = 'c' and a.attname = ${column}
  `;
  expect(rows, `one check constraint on findings.${column}`).toHaveLength(1);
  return [...rows[0]!.definition.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!);
}

// The migrations (SQL) and insights/finding-kinds.ts (TypeScript) each name the finding vocabulary; they
// cannot share code, so this test keeps them in step.
describe('finding vocabulary', () => {
  it('the findings table accepts exactly the kinds, severities and statuses the code names', async () => {
    expect((await allowedValues('kind')).sort()).toEqual([...findingKinds].sort());
    expect((await allowedValues('severity')).sort()).toEqual([...findingSeverities].sort());
    expect((await allowedValues('status')).sort()).toEqual([...findingStatuses].sort());
  });
});
