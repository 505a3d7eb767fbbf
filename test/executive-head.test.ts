import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/core/node';
import { startTestApp, TestApp } from './helpers';

/**
 * The executive head's question, in one request: the group's schools, each school's governing
 * bodies and current governors, its staff (marking who is shared), and support given and received.
 */
export const EXECUTIVE_HEAD_QUERY = `query ExecutiveHead($id: ID!) {
  group(id: $id) {
    name
    kind
    leaders { role person { fullName } }
    governingBodies { name kind }
    members(first: 100) {
      totalCount
      edges {
        role
        joinedOn
        node {
          urn
          name
          governingBodies {
            name
            kind
            governors(first: 20) { totalCount edges { node { role appointingBody termEndsOn person { fullName } } } }
          }
          staff(first: 20) { edges { node { role fte person { fullName isSharedStaff } sharedWith { urn } } } }
          supportGiven(first: 10) { edges { node { area staffDaysCommitted staffDaysDelivered receiver { urn } } } }
          supportReceived(first: 10) { edges { node { area giver { urn } } } }
        }
      }
    }
  }
}`;

let app: TestApp;

/**
 * A federation of `size` schools (ids from `first`): one federation body with three governors, a school
 * body per school with two governors, a head per school, an executive head shared across all of them,
 * and each school supporting the next.
 */
async function federation(groupId: number, first: number, size: number): Promise<void> {
  const last = first + size - 1;
  await app.sql(`
    insert into school (id, urn, name, phase, establishment_type)
    select n, 300000 + n, 'School ' || n, 'primary', 'community_school' from generate_series(${first}, ${last}) n;
    insert into school_group (id, name, kind, status, opened_on) values (${groupId}, 'Federation ${groupId}', 'federation', 'open', '2019-09-01');
    insert into membership (school_id, group_id, group_kind, role, joined_on)
    select n, ${groupId}, 'federation', case when n = ${first} then 'lead' else 'member' end, '2019-09-01' from generate_series(${first}, ${last}) n;
    insert into governing_body (id, name, kind, group_id) values (${groupId + 10000}, 'Federation ${groupId} GB', 'federation', ${groupId});
    insert into governing_body (id, name, kind, school_id) select n, 'School ' || n || ' GB', 'school', n from generate_series(${first}, ${last}) n;
    insert into person (id, full_name) select n, 'Person ' || n from generate_series(${first * 10}, ${last * 10 + 9}) n;
    insert into governorship (person_id, governing_body_id, role, appointing_body, term_started_on, term_ends_on)
    select ${first * 10} + k, ${groupId + 10000}, 'governor', 'co_opted', '2022-09-01', '2026-08-31' from generate_series(1, 3) k;
    insert into governorship (person_id, governing_body_id, role, appointing_body, term_started_on)
    select n * 10 + k, n, 'governor', 'parent_elected', '2023-09-01' from generate_series(${first}, ${last}) n, generate_series(4, 5) k;
    insert into post (person_id, role, school_id, fte, started_on) select n * 10 + 6, 'head_of_school', n, 1, '2020-09-01' from generate_series(${first}, ${last}) n;
    insert into post (person_id, role, school_id, fte, started_on) select ${first * 10 + 9}, 'executive_head', n, 0.02, '2020-09-01' from generate_series(${first}, ${last}) n;
    insert into post (person_id, role, group_id, fte, started_on) values (${first * 10 + 8}, 'business_manager', ${groupId}, 1, '2020-09-01');
    insert into support_link (giver_id, receiver_id, area, staff_days_committed, started_on)
    select n, n + 1, 'literacy', 5, '2024-01-01' from generate_series(${first}, ${last - 1}) n;
  `);
}

beforeAll(async () => {
  app = await startTestApp();
  await federation(1, 1, 5);
  await federation(2, 101, 50);
});
afterAll(() => app?.close());

describe("the executive head's query", () => {
  it('returns every member school with its governing bodies, governors, staff and support', async () => {
    const { group } = await app.data(EXECUTIVE_HEAD_QUERY, { id: toGlobalId('Group', 1) });
    expect(group.members.totalCount).toBe(5);
    // The executive head holds a post in each school, not on the federation: listed once; the business manager is not a leader.
    expect(group.leaders).toEqual([{ role: 'EXECUTIVE_HEAD', person: { fullName: 'Person 19' } }]);
    const lead = group.members.edges[0];
    expect(lead).toMatchObject({ role: 'LEAD', node: { urn: 300001 } });
    expect(lead.node.governingBodies.map((body: any) => [body.kind, body.governors.totalCount])).toEqual([
      ['FEDERATION', 3],
      ['SCHOOL', 2],
    ]);
    const executiveHead = lead.node.staff.edges.find((edge: any) => edge.node.role === 'EXECUTIVE_HEAD').node;
    expect(executiveHead.person).toEqual({ fullName: 'Person 19', isSharedStaff: true });
    expect(executiveHead.sharedWith.map((school: any) => school.urn)).toEqual([300002, 300003, 300004, 300005]);
    const head = lead.node.staff.edges.find((edge: any) => edge.node.role === 'HEAD_OF_SCHOOL').node;
    expect(head.person.isSharedStaff).toBe(false);
    expect(lead.node.supportGiven.edges).toEqual([
      { node: { area: 'LITERACY', staffDaysCommitted: 5, staffDaysDelivered: 0, receiver: { urn: 300002 } } },
    ]);
    expect(group.members.edges[1].node.supportReceived.edges).toEqual([{ node: { area: 'LITERACY', giver: { urn: 300001 } } }]);
  });

  it('costs the same number of SQL statements for 5 schools as for 50 (no N+1)', async () => {
    let small: any;
    let large: any;
    const statementsFor5 = await app.countStatements(async () => {
      small = await app.data(EXECUTIVE_HEAD_QUERY, { id: toGlobalId('Group', 1) });
    });
    const statementsFor50 = await app.countStatements(async () => {
      large = await app.data(EXECUTIVE_HEAD_QUERY, { id: toGlobalId('Group', 2) });
    });
    expect(small.group.members.edges).toHaveLength(5);
    expect(large.group.members.edges).toHaveLength(50);
    expect(large.group.members.edges[49].node.governingBodies[1].governors.totalCount).toBe(2);
    console.log(`executive head's query: ${statementsFor5} SQL statements for 5 schools, ${statementsFor50} for 50`);
    expect(statementsFor50).toBe(statementsFor5);
    // One of them is authentication checking that the token's person still exists (a deleted person's token gets 401).
    expect(statementsFor5).toBeLessThanOrEqual(16);
  });
});
