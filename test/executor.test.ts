import { getIntrospectionQuery, OperationDefinitionNode, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/core/node';
import { compilable, compiledAnswerCount, setCompiledExecution } from '../src/server/executor';
import { trellisSchema } from '../src/server/schema';
import { G, loadFixture, S } from './access-fixture';
import { startTestApp, TestApp } from './helpers';

/**
 * graphql-jit (server/executor.ts) must answer exactly as graphql-js does: the same data, the same
 * nulls where a caller may not read, the same errors with the same paths. Proved on one server by
 * switching the executor, for every caller of the access fixture and queries that use what a
 * compiler may get wrong: interfaces, fragments, directives, aliases, variables with defaults,
 * refusals inside lists, bad IDs, introspection; and that what it may not run goes to graphql-js.
 */

/** Errors as a sorted list of code, path and message. */
const normal = (response: any) => ({
  data: response.data,
  errors: response.errors?.map((e: any) => `${e.extensions?.code} ${JSON.stringify(e.path ?? [])}: ${e.message}`).sort(),
  paths: new Map<string, (string | number)[]>(response.errors?.map((e: any) => [`${e.extensions?.code} ${JSON.stringify(e.path ?? [])}: ${e.message}`, e.path ?? []])),
});

/**
 * The same data, and the same errors but for one allowed difference: once a refusal nulls a parent,
 * graphql-js drops the errors of that parent's other fields, while graphql-jit reports each. So
 * graphql-js's errors must all be there, and every further one must sit under a position that is
 * null in the (identical) data.
 */
function expectSameAnswer(compiled: ReturnType<typeof normal>, interpreted: ReturnType<typeof normal>, name: string) {
  expect(compiled.data, name).toEqual(interpreted.data);
  expect(compiled.errors ?? [], name).toEqual(expect.arrayContaining(interpreted.errors ?? []));
  for (const error of compiled.errors ?? []) {
    if (interpreted.errors?.includes(error)) continue;
    const path = compiled.paths.get(error)!;
    let value: any = { data: compiled.data };
    let underNull = false;
    for (const key of ['data', ...path.slice(0, -1)]) {
      value = value?.[key];
      if (value === null) underNull = true;
    }
    expect(underNull, `${name}: ${error} is not under a nulled position`).toBe(true);
  }
}

const GROUPS = [...Object.values(G).map((id) => toGlobalId('Group', id)), toGlobalId('Group', 999), toGlobalId('School', S.A), 'not-an-id'];

const QUERIES: [string, string, Record<string, unknown>][] = [
  [
    'the graph, every row rule, contact details that most may not read',
    `query Graph($ids: [ID!]!, $first: Int = 5, $withStaff: Boolean!, $skipBodies: Boolean = false) {
      nodes(ids: $ids) { __typename id ... on Group { name kind leaders { role person { fullName } }
        members(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { cursor role joinedOn node { ...SchoolFacts
          governingBodies @skip(if: $skipBodies) { id name kind governors(first: 10, includeFormer: true) { totalCount
            edges { node { role appointingBody termStartedOn termEndsOn endedOn person { id fullName email phone } } } } }
          staff(first: 10) @include(if: $withStaff) { totalCount edges { node { role fte person { fullName email } } } }
          latestInspection { inspectedOn overallEffectiveness }
          openAlerts: alerts(first: 5, status: [OPEN]) { totalCount edges { node { severity status evidence rule { name kind } } } }
        } } } }
        ... on School { urn alias: name } }
    }
    fragment SchoolFacts on School { __typename id urn name phase status latitude longitude pupilsOnRoll percentFsm openedOn }`,
    { ids: GROUPS, withStaff: true },
  ],
  [
    'a list of schools with a page and without the optional parts',
    `query ($after: String) { schools(first: 4, after: $after) { totalCount edges { cursor node { name a: urn b: urn governingBodies { name } } } } }`,
    {},
  ],
];

describe('graphql-jit answers as graphql-js does', () => {
  let app: TestApp;
  let callers: Record<string, string | undefined>;

  beforeAll(async () => {
    app = await startTestApp();
    callers = await loadFixture(app);
    await app.sql(`insert into alert (rule_id, school_id, severity, evidence, status, raised_at)
      select id, ${S.A}, 'watch', '{"value": 1.5}', 'open', now() from trigger_rule order by id limit 1`);
  }, 120_000);
  afterAll(async () => {
    setCompiledExecution(true);
    await app?.close();
  });

  async function bothWays(as: string | undefined, query: string, variables: Record<string, unknown>) {
    try {
      setCompiledExecution(false);
      const before = compiledAnswerCount();
      const interpreted = await app.gqlAs(as, query, variables);
      expect(compiledAnswerCount(), 'graphql-js answered').toBe(before);
      setCompiledExecution(true);
      const compiled = await app.gqlAs(as, query, variables);
      return { interpreted: normal(interpreted), compiled: normal(compiled), byCompiledCode: compiledAnswerCount() - before };
    } finally {
      setCompiledExecution(true);
    }
  }

  it.each(QUERIES)('%s: the same for every caller', async (_name, query, variables) => {
    expect(Object.keys(callers).length).toBeGreaterThan(25);
    let answered = 0;
    let refused = 0;
    for (const [name, as] of Object.entries(callers)) {
      const { interpreted, compiled, byCompiledCode } = await bothWays(as, query, variables);
      expectSameAnswer(compiled, interpreted, name);
      // The second answer came from compiled code, not from graphql-js behind it.
      expect(byCompiledCode, name).toBe(1);
      if (interpreted.data) answered += 1;
      if (interpreted.errors) refused += 1;
    }
    // Callers who read it all and callers refused somewhere (a refusal nulls up to a nullable parent): both compared.
    expect(answered).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('compiles reads only: mutations and anything with an input object run on graphql-js', async () => {
    // graphql-jit coerces input objects its own way (a non-null field with a default is reported
    // missing), so those must never reach it; reads of IDs, numbers, enums and strings do.
    const compiles = async (text: string) => {
      const document = parse(text);
      return compilable(await trellisSchema(), document, document.definitions[0] as OperationDefinitionNode);
    };
    expect(await compiles(QUERIES[0][1])).toBe(true);
    expect(await compiles(`query ($after: String, $status: [AlertStatus!]) { schools(first: 2, after: $after) { totalCount } }`)).toBe(true);
    expect(await compiles(`mutation { alertAcknowledge(input: { alertId: "x" }) { userErrors { message } } }`)).toBe(false);
    expect(await compiles(`mutation ($input: GroupCreateInput!) { groupCreate(input: $input) { userErrors { message } } }`)).toBe(false);
    expect(await compiles(`query ($input: GroupCreateInput) { __typename }`)).toBe(false);
    // An object written in the document (routing only: the document is not validated here).
    expect(await compiles(`{ schools(first: 1, where: { urn: 1 }) { totalCount } }`)).toBe(false);
    expect(await compiles(`{ schools(first: 1) { edges { node { name } } } x: __type(name: "School") { name } }`)).toBe(true);
    expect(await compiles(`subscription { partnershipEvents { kind } }`)).toBe(false);
  });

  it('the same schema through introspection, and the same answer to a wrong variable', async () => {
    const { interpreted, compiled } = await bothWays(undefined, getIntrospectionQuery({ descriptions: true }), {});
    expectSameAnswer(compiled, interpreted, 'anonymous');
    expect(interpreted.data.__schema.types.length).toBeGreaterThan(100);
    const wrong = await bothWays(undefined, `query ($n: Int!) { schools(first: $n) { totalCount } }`, { n: 'ten' });
    expectSameAnswer(wrong.compiled, wrong.interpreted, 'anonymous');
    // A wrong variable is left to graphql-js, which reports it before anything is read.
    expect(wrong.byCompiledCode).toBe(0);
    expect(wrong.compiled.errors).toEqual([expect.stringMatching(/^BAD_USER_INPUT \[\]: Variable "\$n" got invalid value "ten"/)]);
  });
});
