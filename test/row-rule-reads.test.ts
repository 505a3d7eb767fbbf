import 'reflect-metadata';
import { MikroORM, type EntityMetadata } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowRules } from '../src/auth/policy';
import type { Scope, Viewer } from '../src/auth/viewer';
import { ormOptions } from '../src/database/orm';
import { columnsFor, rowColumns } from '../src/core/rows';
// The row rules register themselves with their domain folders: load them all, as the server does.
import { trellisSchema } from '../src/server/schema';

/**
 * A prefetch reads only the columns a selection needs, and among them those the type's read rule looks
 * at (auth/policy.ts `reads`): a rule that read a column left out would see it undefined and hide a
 * row the viewer may read, or worse. So every rule is run on a row that throws on any other column.
 */
let orm: MikroORM;
beforeAll(async () => {
  await trellisSchema();
  orm = await MikroORM.init({ ...ormOptions({ clientUrl: 'postgres://127.0.0.1:1/none' }), connect: false });
});
afterAll(async () => orm?.close(true));

function scopeWith(ids: Set<number>): Scope {
  return {
    known: true,
    admin: false,
    roles: [],
    laCodes: [],
    schoolIds: ids,
    alertSchoolIds: ids,
    boardSchoolIds: ids,
    leaderSchoolIds: ids,
    headSchoolIds: ids,
    groupIds: ids,
    boardGroupIds: ids,
    leaderGroupIds: ids,
    bodyIds: ids,
    manageBodyIds: ids,
    seats: ids,
    colleagues: ids,
  };
}

/** A viewer as far as rules look at one: its person and the people it may read. */
const viewer = { kind: 'person', personId: 7, peopleNow: () => new Set<number>(), people: async () => new Set<number>() } as unknown as Viewer;

describe('row rules read only the columns they declare', () => {
  it('every rule that declares `reads` reads nothing else of the row, whatever the scope', () => {
    let declared = 0;
    for (const { typeName, rule } of rowRules()) {
      if (!rule.reads) continue;
      declared += 1;
      const meta = orm.getMetadata().find(typeName) as EntityMetadata;
      expect(meta, typeName).toBeTruthy();
      const allowed = new Set([meta.properties[meta.primaryKeys[0]].fieldNames[0], ...rule.reads]);
      for (const column of rule.reads) expect(rowColumns(orm.em, meta.class), `${typeName} reads ${column}`).toContain(column);
      const columnOf = new Map(
        Object.values(meta.properties)
          .filter((prop) => prop.fieldNames?.length && prop.persist !== false)
          .map((prop) => [prop.name, prop.fieldNames[0]]),
      );
      const row = Object.create(meta.class.prototype);
      for (const [name] of columnOf) row[name] = name === meta.primaryKeys[0] ? 1 : { id: 1 };
      const guarded = new Proxy(row, {
        get(target, property, receiver) {
          const column = typeof property === 'string' ? columnOf.get(property) : undefined;
          if (column && !allowed.has(column)) throw new Error(`${typeName}'s rule read ${column}, which it does not declare`);
          return Reflect.get(target, property, receiver);
        },
      });
      // An empty scope makes every alternative of a rule be tried; a full one, the first that holds.
      for (const scope of [scopeWith(new Set()), scopeWith(new Set([1]))]) expect(() => rule.sees(scope, guarded, viewer), typeName).not.toThrow();
    }
    // People, posts, bodies, seats, support links, alerts, self-evaluations at least.
    expect(declared).toBeGreaterThanOrEqual(7);
  });

  it('a prefetch keeps the declared columns, and every key when a rule or field does not say', () => {
    const meta = (name: string) => (orm.getMetadata().find(name) as EntityMetadata).class;
    // A governing body's rule reads its id alone: its school and group columns are left out.
    expect(columnsFor(orm.em, meta('GoverningBody'), ['name'], [])).toEqual(['id', 'name']);
    // Without a say, every key column stays.
    expect(columnsFor(orm.em, meta('GoverningBody'), ['name'])).toEqual(expect.arrayContaining(['id', 'name', 'school_id', 'group_id']));
    expect(columnsFor(orm.em, meta('Governorship'), [], ['governing_body_id', 'person_id'])).toEqual(
      expect.arrayContaining(['id', 'governing_body_id', 'person_id']),
    );
  });
});
