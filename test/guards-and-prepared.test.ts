import { isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardOf } from '../src/auth/guard';
import { preparedRows } from '../src/core/prepared';
import { trellisSchema } from '../src/server/schema';
import { startTestApp, TestApp } from './helpers';

/**
 * auth/guard.ts replaced type-graphql's @Authorized. Its guarded fields were compared once, field by
 * field, with the roles type-graphql resolved from the same decorators (101, the same requirements);
 * this pins that set, so a guard that goes missing or changes shows here as well as in the access matrix.
 */
describe('guards (auth/guard.ts)', () => {
  const guarded = async () => {
    const schema = await trellisSchema();
    const found = new Map<string, string>();
    for (const type of Object.values(schema.getTypeMap()))
      if (isObjectType(type)) for (const field of Object.values(type.getFields())) {
        const requirements = guardOf(field);
        if (requirements) found.set(`${type.name}.${field.name}`, requirements.join(','));
      }
    return found;
  };

  it('guard the fields type-graphql guarded, with the same requirements', async () => {
    const found = await guarded();
    expect(found.size).toBe(101);
    // A field's own guard; a class's guard on every method of the class, its mutations included; an admin-only query.
    expect(found.get('Person.email')).toBe('contact');
    expect(found.get('Person.phone')).toBe('contact');
    expect(found.get('Person.governorships')).toBe('read:governance');
    expect(found.get('GoverningBody.governors')).toBe('read:governance');
    expect(found.get('Governorship.person')).toBe('read:governance');
    expect(found.get('School.staff')).toBe('read:people');
    expect(found.get('Mutation.interventionMilestoneAdd')).toBe('read:alerts');
    expect(found.get('Mutation.personCreate')).toBe('write:people');
    expect(found.get('Mutation.measuresRecordBulk')).toBe('data-drop');
    expect(found.get('Query.auditEvents')).toBe('admin');
    // Public facts stay unguarded.
    for (const open of ['School.name', 'Group.members', 'Query.group', 'Query.groups', 'Person.fullName']) expect(found.has(open), open).toBe(false);
  });
});

describe('prepared reads (core/prepared.ts)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  }, 120_000);
  afterAll(() => app?.close());

  it('numbers ? outside quotes, passes values as parameters and counts as a statement', async () => {
    const em = app.orm.em.fork();
    const count = await app.countStatements(async () => {
      for (let i = 0; i < 3; i++) {
        const rows = await preparedRows<{ n: number; q: string; ids: number[] }>(em, `select ?::int as n, '?' as q, "x".ids from (select ?::int[] as ids) "x"`, [i, '{1,2}']);
        expect(rows).toEqual([{ n: i, q: '?', ids: [1, 2] }]);
      }
    });
    expect(count).toBe(3);
  });

  it('refuses a list as a value and a count of values that does not match the placeholders', async () => {
    const em = app.orm.em.fork();
    await expect(preparedRows(em, 'select 1 where 1 in (?)', [[1, 2]])).rejects.toThrow(/scalar values/);
    await expect(preparedRows(em, 'select ?::int', [])).rejects.toThrow(/1 placeholders for 0 values/);
    // The same text again with another count: refused too, though its numbering is kept from before.
    await preparedRows(em, 'select ?::int as one', [1]);
    await expect(preparedRows(em, 'select ?::int as one', [1, 2])).rejects.toThrow(/1 placeholders for 2 values/);
  });

  it('run with generic plans: planned once per connection, not on every execution', async () => {
    const em = app.orm.em.fork();
    const [setting] = await preparedRows<{ mode: string }>(em, `select current_setting('plan_cache_mode') as mode where ?::int = 1`, [1]);
    expect(setting.mode).toBe('force_generic_plan');
  });
});
