import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TestApp } from './helpers';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await app.sql(`
    insert into school (urn, name, phase, establishment_type, status, la_code, la_name, region, constituency)
    select 100000 + n, 'School ' || n, case when n % 3 = 0 then 'secondary' else 'primary' end, 'community_school', 'open',
           850, 'Hampshire', 'South East', case when n % 2 = 0 then 'Winchester' else 'Eastleigh' end
    from generate_series(1, 45) n`);
});
afterAll(() => app?.close());

const SCHOOLS = `query($first: Int, $after: String, $filter: SchoolFilter) {
  schools(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { id urn name phase localAuthority { code name } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

describe('schools', () => {
  it('pages through every school once, in URN order', async () => {
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const { schools }: any = await app.data(SCHOOLS, { first: 20, after });
      expect(schools.totalCount).toBe(45);
      seen.push(...schools.edges.map((edge: any) => edge.node.urn));
      if (!schools.pageInfo.hasNextPage) break;
      after = schools.pageInfo.endCursor;
    }
    expect(seen).toEqual(Array.from({ length: 45 }, (_, i) => 100001 + i));
  });

  it('filters by phase and constituency, and counts only the matches', async () => {
    const { schools } = await app.data(SCHOOLS, { first: 100, filter: { phase: 'SECONDARY', constituency: 'Winchester' } });
    expect(schools.totalCount).toBe(7);
    expect(schools.edges.every((edge: any) => edge.node.phase === 'SECONDARY')).toBe(true);
  });

  it.each([0, 101, -1])('refuses first = %i, naming the argument', async (first) => {
    const result = await app.gql(SCHOOLS, { first });
    expect(result.errors?.[0].message).toMatch(/first must be between 1 and 100/);
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
  });

  it('refuses a cursor that is not one of this list', async () => {
    const result = await app.gql(SCHOOLS, { after: 'bm90LWEtY3Vyc29y' });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });

  it('finds a school by URN and by its global ID, and through node()', async () => {
    const { school } = await app.data(`{ school(urn: 100007) { id name } }`);
    expect(school.name).toBe('School 7');
    const byId = await app.data(`query($id: ID!) { school(id: $id) { urn } node(id: $id) { ... on School { urn } } }`, { id: school.id });
    expect(byId.school.urn).toBe(100007);
    expect(byId.node.urn).toBe(100007);
  });
});
