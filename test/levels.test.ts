import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, graphql, GraphQLResolveInfo } from 'graphql';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Viewer } from '../src/auth/viewer';
import { createContext } from '../src/core/context';
import { levelLoader, requestedColumns } from '../src/core/levels';
import { openOrm } from '../src/database/orm';
import { seedEngland } from '../src/demo/england';
import { Governorship } from '../src/governance/governance.entity';
import { startTestApp, TestApp } from './helpers';

/**
 * The per-level loader for resolvers to adopt (src/core/levels.ts), proved on a small schema of its
 * own over the real database: one statement per level, only the columns asked for, plain objects of
 * the entity class, and the viewer's row rule applied.
 */
let app: TestApp;
let orm: MikroORM;
const statements: string[] = [];

const schema = buildSchema(`
  type Person { fullName: String }
  type Governorship { id: Int, role: String, termEndsOn: String, person: Person }
  type GovernorshipEdge { node: Governorship }
  type GovernorshipConnection { edges: [GovernorshipEdge] }
  type Body { id: Int, governors: GovernorshipConnection }
  type Query { bodies(ids: [Int!]!): [Body] }
`);

beforeAll(async () => {
  app = await startTestApp();
  await seedEngland(app.orm, { scale: 0.01, today: new Date('2026-12-01T00:00:00Z') });
  orm = await openOrm({ clientUrl: app.databaseUrl, onQuery: (sql) => statements.push(sql) });
}, 120_000);
afterAll(async () => {
  await orm?.close(true);
  await app?.close();
});

/** Runs `query` on the small schema as `viewer`; each body's governors come from one levelLoader. */
async function run(query: string, bodyIds: number[], viewer: Viewer) {
  const ctx = createContext(orm.em, { viewer });
  const columnsSeen: string[][] = [];
  const rootValue = {
    bodies: ({ ids }: { ids: number[] }) =>
      ids.map((id) => ({
        id,
        governors: async (_args: unknown, _ctx: unknown, info: GraphQLResolveInfo) => {
          const columns = requestedColumns(ctx, info, Governorship, ['governing_body_id']);
          columnsSeen.push(columns);
          const rows = await levelLoader(ctx, {
            entity: Governorship,
            table: 'governorship',
            parentColumn: 'governing_body_id',
            columns,
            where: 't.ended_on is null',
            orderBy: 't.term_started_on, t.id',
          }).load(id);
          return { edges: rows.map((node: any) => ({ node: { ...node, id: node.id, person: node.person && { fullName: `person ${node.person.id}` } } })) };
        },
      })),
  };
  statements.length = 0;
  const result = await graphql({ schema, source: query, rootValue, variableValues: { ids: bodyIds } });
  return { result, columnsSeen, sql: [...statements] };
}

const QUERY = `query ($ids: [Int!]!) { bodies(ids: $ids) { id governors { edges { node { id role ...Term person { fullName } } } } } }
  fragment Term on Governorship { termEndsOn }`;

describe('levelLoader and requestedColumns', () => {
  it('reads one level for every parent in one statement, selecting only the columns asked for', async () => {
    const bodies = await app.sql<{ id: number }>(
      `select governing_body_id as id from governorship where ended_on is null group by 1 having count(*) >= 3 order by 1 limit 5`,
    );
    const ids = bodies.map((b) => b.id);
    const { result, columnsSeen, sql } = await run(QUERY, ids, Viewer.app({ id: 1, name: 'test', scopes: ['read:governance'] }));
    expect(result.errors).toBeUndefined();
    expect(columnsSeen[0]).toEqual(['governing_body_id', 'id', 'person_id', 'role', 'term_ends_on']);
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatch(/^select t\."governing_body_id", t\."id", t\."person_id", t\."role", t\."term_ends_on" from "governorship" t/);
    const expected = await app.sql<{ governing_body_id: number; id: number; role: string }>(
      `select governing_body_id, id, role from governorship where governing_body_id = any($1::int[]) and ended_on is null order by governing_body_id, term_started_on, id`,
      [ids],
    );
    const got = (result.data as any).bodies.flatMap((b: any) => b.governors.edges.map((e: any) => [b.id, e.node.id, e.node.role]));
    expect(got).toEqual(expected.map((row) => [row.governing_body_id, row.id, row.role]));
  });

  it('returns objects of the entity class holding only the selected columns', async () => {
    const [body] = await app.sql<{ id: number }>(`select governing_body_id as id from governorship where ended_on is null limit 1`);
    const ctx = createContext(orm.em, { viewer: Viewer.app({ id: 1, name: 'test', scopes: ['read:governance'] }) });
    const [row] = await levelLoader(ctx, {
      entity: Governorship,
      table: 'governorship',
      parentColumn: 'governing_body_id',
      columns: ['id', 'role', 'person_id'],
      orderBy: 't.id',
    }).load(body.id);
    expect(row).toBeInstanceOf(Governorship);
    expect(Object.keys(row).sort()).toEqual(['governingBody', 'id', 'person', 'role']);
    expect(typeof (row as any).person.id).toBe('number');
    expect((row as any).termStartedOn).toBeUndefined();
  });

  it("applies the viewer's row rule in the statement: a caller who does not reach the body gets nothing", async () => {
    const [body] = await app.sql<{ id: number }>(`select governing_body_id as id from governorship where ended_on is null limit 1`);
    const { result } = await run(QUERY, [body.id], Viewer.anonymous());
    expect((result.data as any).bodies[0].governors.edges).toEqual([]);
    const noScope = await run(QUERY, [body.id], Viewer.app({ id: 2, name: 'schools only', scopes: ['read:schools'] }));
    expect((noScope.result.data as any).bodies[0].governors.edges).toEqual([]);
  });
});
