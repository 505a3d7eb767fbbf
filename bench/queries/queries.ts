/**
 * The four benchmark queries, each written twice (Trellis's schema and PostGraphile's amber schema)
 * with a normaliser per side that turns both answers into one canonical shape, so run.ts can refuse
 * a run whose servers do not return the same data.
 *
 * Canonical rules: enums lower-case, numbers as numbers, dates as ISO days or epoch ms, lists sorted
 * by a stable key (the two servers order some lists differently: Trellis puts lead schools and chairs
 * first, PostGraphile has no such order). A page cut short (totalCount above what was returned) is
 * compared by its total only, since a different order picks a different first page.
 */

import { toGlobalId } from '../../src/core/node';

export interface Targets {
  /** The trust of the executive head's and the morning query, and its executive head or CEO. */
  trustId: number;
  trustSchools: number;
  executiveHeadId: number;
  /** A small trust (about 5 schools) to show that statements do not grow with schools. */
  smallTrustId: number;
  smallTrustSchools: number;
  smallExecutiveHeadId: number;
}

export type Viewer = 'anonymous' | 'admin' | 'executiveHead';

export interface BenchQuery {
  name: string;
  description: string;
  /** Who Trellis is asked as (PostGraphile has no users: it is asked with nothing). */
  viewer: Viewer;
  trellis: { query: string; variables: (t: Targets, small?: boolean) => Record<string, unknown> };
  postgraphile: { query: string; variables: (t: Targets, small?: boolean) => Record<string, unknown> };
  normaliseTrellis: (data: any) => unknown;
  normalisePostgraphile: (data: any) => unknown;
}

const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);
const num = (value: unknown) => (value == null ? null : Number(value));
const day = (value: unknown) => (value == null ? null : String(value).slice(0, 10));
const instant = (value: unknown) => (value == null ? null : Date.parse(String(value)));
const OFSTED: Record<string, number> = { OUTSTANDING: 1, GOOD: 2, REQUIRES_IMPROVEMENT: 3, INADEQUATE: 4 };

function sorted<T>(items: T[], key: (item: T) => string | number): T[] {
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
const json = (value: unknown) => JSON.stringify(value);

/** A page: its total, and its items (sorted) only when the page holds the whole list. */
function page<T>(totalCount: number, items: T[], key: (item: T) => string | number) {
  return items.length >= totalCount ? { totalCount, items: sorted(items, key) } : { totalCount, truncated: true };
}

// --- 1. light: 10 trusts, their members' names and each school's governing bodies with governor counts ---

// The trust board is read once, on the trust, and each school's own bodies below it: the shape of
// PostGraphile's query (School.governingBodies without `kind` would repeat the board under every school).
const LIGHT_TRELLIS = `query Light {
  groups(first: 10, kind: [MULTI_ACADEMY_TRUST]) {
    edges { node {
      name
      governingBodies(kind: [TRUST_BOARD, FEDERATION]) { name kind governors(first: 1) { totalCount } }
      members(first: 60) { totalCount edges { node { urn name
        governingBodies(kind: [SCHOOL, LOCAL_COMMITTEE]) { name kind governors(first: 1) { totalCount } } } } }
    } }
  }
}`;

const LIGHT_POSTGRAPHILE = `query Light {
  allSchoolGroups(first: 10, condition: { kind: "multi_academy_trust" }, orderBy: [NAME_ASC, PRIMARY_KEY_ASC]) {
    nodes {
      name
      governingBodiesByGroupId(condition: { kind: "trust_board" }) { nodes { name kind governorshipsByGoverningBodyId(condition: { endedOn: null }) { totalCount } } }
      membershipsByGroupId(first: 60, condition: { leftOn: null }) {
        totalCount
        nodes { schoolBySchoolId { urn name
          governingBodiesBySchoolId { nodes { name kind governorshipsByGoverningBodyId(condition: { endedOn: null }) { totalCount } } } } }
      }
    }
  }
}`;

type Body = { name: string; kind: string; governors: number };
const bodiesKey = (b: Body) => `${b.kind}|${b.name}`;

export const LIGHT: BenchQuery = {
  name: 'light',
  description: "10 trusts (first by name), each member school's name, its governing bodies and their governor counts",
  viewer: 'admin',
  trellis: { query: LIGHT_TRELLIS, variables: () => ({}) },
  postgraphile: { query: LIGHT_POSTGRAPHILE, variables: () => ({}) },
  // Both read the trust board once, on the trust; the normalisers put it under each school, where
  // School.governingBodies (without `kind`) would list it.
  normaliseTrellis: (data) =>
    data.groups.edges.map(({ node: g }: any) => {
      const groupBodies = g.governingBodies
        .filter((b: any) => b.kind === 'TRUST_BOARD' || b.kind === 'FEDERATION')
        .map((b: any) => ({ name: b.name, kind: lower(b.kind), governors: b.governors.totalCount }));
      return {
        name: g.name,
        members: page(
          g.members.totalCount,
          g.members.edges.map(({ node: s }: any) => ({
            urn: s.urn,
            name: s.name,
            bodies: sorted(
              [...s.governingBodies.map((b: any) => ({ name: b.name, kind: lower(b.kind), governors: b.governors.totalCount })), ...groupBodies],
              bodiesKey,
            ),
          })),
          (s: any) => s.urn,
        ),
      };
    }),
  normalisePostgraphile: (data) =>
    data.allSchoolGroups.nodes.map((g: any) => {
      const groupBodies = g.governingBodiesByGroupId.nodes
        .filter((b: any) => b.kind === 'trust_board' || b.kind === 'federation')
        .map((b: any) => ({ name: b.name, kind: b.kind, governors: b.governorshipsByGoverningBodyId.totalCount }));
      return {
        name: g.name,
        members: page(
          g.membershipsByGroupId.totalCount,
          g.membershipsByGroupId.nodes.map(({ schoolBySchoolId: s }: any) => ({
            urn: s.urn,
            name: s.name,
            bodies: sorted(
              [
                ...s.governingBodiesBySchoolId.nodes.map((b: any) => ({
                  name: b.name,
                  kind: b.kind,
                  governors: b.governorshipsByGoverningBodyId.totalCount,
                })),
                ...groupBodies,
              ],
              bodiesKey,
            ),
          })),
          (s: any) => s.urn,
        ),
      };
    }),
};

// --- 2. executive head: one trust, every member school, its bodies, their governors, its staff ---

const EXECUTIVE_TRELLIS = `query ExecutiveHead($id: ID!) {
  group(id: $id) {
    name
    governingBodies(kind: [TRUST_BOARD, FEDERATION]) { name kind governors(first: 30) { totalCount edges { node { role appointingBody termStartedOn termEndsOn person { fullName } } } } }
    members(first: 100) { totalCount edges { role joinedOn node {
      urn name
      governingBodies(kind: [SCHOOL, LOCAL_COMMITTEE]) {
        name kind governors(first: 30) { totalCount edges { node { role appointingBody termStartedOn termEndsOn person { fullName } } } } }
      staff(first: 100) { totalCount edges { node { role fte startedOn person { fullName } } } }
    } } }
  }
}`;

const EXECUTIVE_POSTGRAPHILE = `query ExecutiveHead($id: Int!) {
  schoolGroupByRowId(rowId: $id) {
    name
    governingBodiesByGroupId(condition: { kind: "trust_board" }) { nodes { name kind
      governorshipsByGoverningBodyId(first: 30, condition: { endedOn: null }) { totalCount nodes { role appointingBody termStartedOn termEndsOn personByPersonId { fullName } } } } }
    membershipsByGroupId(first: 100, condition: { leftOn: null }) { totalCount nodes { role joinedOn schoolBySchoolId {
      urn name
      governingBodiesBySchoolId { nodes { name kind
        governorshipsByGoverningBodyId(first: 30, condition: { endedOn: null }) { totalCount nodes { role appointingBody termStartedOn termEndsOn personByPersonId { fullName } } } } }
      postsBySchoolId(first: 100, condition: { endedOn: null }) { totalCount nodes { role fte startedOn personByPersonId { fullName } } }
    } } }
  }
}`;

type Governor = { role: string; appointingBody: string; termStartedOn: string | null; termEndsOn: string | null; person: string };
const governorKey = (g: Governor) => json([g.person, g.role, g.termStartedOn]);
type Staff = { role: string; fte: number | null; startedOn: string | null; person: string };
const staffKey = (p: Staff) => json([p.person, p.role, p.startedOn]);

function governorsOf(totalCount: number, rows: any[]) {
  return page(
    totalCount,
    rows.map((g) => ({
      role: lower(g.role) as string,
      appointingBody: lower(g.appointingBody) as string,
      termStartedOn: day(g.termStartedOn),
      termEndsOn: day(g.termEndsOn),
      person: (g.person ?? g.personByPersonId)?.fullName,
    })),
    governorKey,
  );
}

export const EXECUTIVE_HEAD: BenchQuery = {
  name: 'executive head',
  description: "one trust (the largest, up to 40 schools), asked as its CEO: every member school's bodies with their current governors, and its current staff",
  viewer: 'executiveHead',
  trellis: { query: EXECUTIVE_TRELLIS, variables: (t, small) => ({ id: groupGlobalId(small ? t.smallTrustId : t.trustId) }) },
  postgraphile: { query: EXECUTIVE_POSTGRAPHILE, variables: (t, small) => ({ id: small ? t.smallTrustId : t.trustId }) },
  normaliseTrellis: (data) => {
    const bodyOf = (b: any) => ({
      name: b.name,
      kind: lower(b.kind),
      governors: governorsOf(
        b.governors.totalCount,
        b.governors.edges.map((e: any) => e.node),
      ),
    });
    // The trust board, read once on the trust, under each school (as the PostGraphile side does).
    const groupBodies = data.group.governingBodies.filter((b: any) => b.kind === 'TRUST_BOARD' || b.kind === 'FEDERATION').map(bodyOf);
    return {
      name: data.group.name,
      members: page(
        data.group.members.totalCount,
        data.group.members.edges.map(({ role, joinedOn, node: s }: any) => ({
          role: lower(role),
          joinedOn: day(joinedOn),
          urn: s.urn,
          name: s.name,
          bodies: sorted([...s.governingBodies.map(bodyOf), ...groupBodies], (b: any) => `${b.kind}|${b.name}`),
          staff: page(
            s.staff.totalCount,
            s.staff.edges.map(({ node: p }: any) => ({ role: lower(p.role), fte: num(p.fte), startedOn: day(p.startedOn), person: p.person.fullName })),
            staffKey,
          ),
        })),
        (s: any) => s.urn,
      ),
    };
  },
  normalisePostgraphile: (data) => {
    const g = data.schoolGroupByRowId;
    const groupBodies = g.governingBodiesByGroupId.nodes
      .filter((b: any) => b.kind === 'trust_board' || b.kind === 'federation')
      .map((b: any) => ({
        name: b.name,
        kind: b.kind,
        governors: governorsOf(b.governorshipsByGoverningBodyId.totalCount, b.governorshipsByGoverningBodyId.nodes),
      }));
    return {
      name: g.name,
      members: page(
        g.membershipsByGroupId.totalCount,
        g.membershipsByGroupId.nodes.map(({ role, joinedOn, schoolBySchoolId: s }: any) => ({
          role,
          joinedOn: day(joinedOn),
          urn: s.urn,
          name: s.name,
          bodies: sorted(
            [
              ...s.governingBodiesBySchoolId.nodes.map((b: any) => ({
                name: b.name,
                kind: b.kind,
                governors: governorsOf(b.governorshipsByGoverningBodyId.totalCount, b.governorshipsByGoverningBodyId.nodes),
              })),
              ...groupBodies,
            ],
            (b: any) => `${b.kind}|${b.name}`,
          ),
          staff: page(
            s.postsBySchoolId.totalCount,
            s.postsBySchoolId.nodes.map((p: any) => ({ role: p.role, fte: num(p.fte), startedOn: day(p.startedOn), person: p.personByPersonId.fullName })),
            staffKey,
          ),
        })),
        (s: any) => s.urn,
      ),
    };
  },
};

// --- 3. heavy: 50 trusts, all their members, each school's latest inspection ---

const HEAVY_TRELLIS = `query Heavy {
  groups(first: 50, kind: [MULTI_ACADEMY_TRUST]) {
    edges { node {
      name
      members(first: 100) { totalCount edges { node { urn name phase latestInspection { inspectedOn overallEffectiveness categoryOfConcern } } } }
    } }
  }
}`;

const HEAVY_POSTGRAPHILE = `query Heavy {
  allSchoolGroups(first: 50, condition: { kind: "multi_academy_trust" }, orderBy: [NAME_ASC, PRIMARY_KEY_ASC]) {
    nodes {
      name
      membershipsByGroupId(first: 100, condition: { leftOn: null }) { totalCount nodes { schoolBySchoolId { urn name phase
        inspectionsBySchoolId(first: 1, orderBy: [INSPECTED_ON_DESC, PRIMARY_KEY_DESC]) { nodes { inspectedOn overallEffectiveness categoryOfConcern } } } } }
    }
  }
}`;

export const HEAVY: BenchQuery = {
  name: 'heavy',
  description: "50 trusts (first by name), all their member schools, each school's latest inspection; anonymous (public facts)",
  viewer: 'anonymous',
  trellis: { query: HEAVY_TRELLIS, variables: () => ({}) },
  postgraphile: { query: HEAVY_POSTGRAPHILE, variables: () => ({}) },
  normaliseTrellis: (data) =>
    data.groups.edges.map(({ node: g }: any) => ({
      name: g.name,
      members: page(
        g.members.totalCount,
        g.members.edges.map(({ node: s }: any) => ({
          urn: s.urn,
          name: s.name,
          phase: lower(s.phase),
          latest: s.latestInspection && {
            on: day(s.latestInspection.inspectedOn),
            grade: OFSTED[s.latestInspection.overallEffectiveness] ?? null,
            concern: lower(s.latestInspection.categoryOfConcern),
          },
        })),
        (s: any) => s.urn,
      ),
    })),
  normalisePostgraphile: (data) =>
    data.allSchoolGroups.nodes.map((g: any) => ({
      name: g.name,
      members: page(
        g.membershipsByGroupId.totalCount,
        g.membershipsByGroupId.nodes.map(({ schoolBySchoolId: s }: any) => {
          const latest = s.inspectionsBySchoolId.nodes[0];
          return {
            urn: s.urn,
            name: s.name,
            phase: s.phase,
            latest: latest ? { on: day(latest.inspectedOn), grade: latest.overallEffectiveness, concern: latest.categoryOfConcern } : null,
          };
        }),
        (s: any) => s.urn,
      ),
    })),
};

// --- 4. the executive head's morning: open alerts per member school and the latest value of each metric ---

const MORNING_TRELLIS = `query Morning($id: ID!) {
  group(id: $id) {
    name
    members(first: 100) { totalCount edges { node {
      urn name
      latestInspection { inspectedOn overallEffectiveness }
      latestMeasures { metric academicYear value }
      alerts(first: 20, status: [OPEN]) { totalCount edges { node { severity raisedAt rule { name } } } }
    } } }
  }
}`;

/**
 * PostGraphile has no "latest per metric" of its own: run.ts adds the computed column a PostGraphile
 * user would write (school_latest_measures, one `distinct on`), which PostGraphile inlines into its statement.
 */
export const POSTGRAPHILE_LATEST_MEASURES = `create or replace function school_latest_measures(s school) returns setof outcome_measure
  language sql stable as $$
    select distinct on (m.metric) m.* from outcome_measure m where m.school_id = s.id order by m.metric, m.academic_year desc
  $$`;

const MORNING_POSTGRAPHILE = `query Morning($id: Int!) {
  schoolGroupByRowId(rowId: $id) {
    name
    membershipsByGroupId(first: 100, condition: { leftOn: null }) { totalCount nodes { schoolBySchoolId {
      urn name
      inspectionsBySchoolId(first: 1, orderBy: [INSPECTED_ON_DESC, PRIMARY_KEY_DESC]) { nodes { inspectedOn overallEffectiveness } }
      latestMeasures { nodes { metric academicYear value } }
      alertsBySchoolId(first: 20, condition: { status: "open" }, orderBy: [RAISED_AT_DESC, PRIMARY_KEY_DESC]) {
        totalCount nodes { severity raisedAt triggerRuleByRuleId { name } } }
    } } }
  }
}`;

const measureKey = (m: any) => m.metric;
const alertKey = (a: any) => json([a.raisedAt, a.rule, a.severity]);

export const MORNING: BenchQuery = {
  name: 'morning',
  description: "the executive head's morning, asked as the trust's CEO: per member school, its open alerts, latest inspection and the latest value of each outcome metric",
  viewer: 'executiveHead',
  trellis: { query: MORNING_TRELLIS, variables: (t, small) => ({ id: groupGlobalId(small ? t.smallTrustId : t.trustId) }) },
  postgraphile: { query: MORNING_POSTGRAPHILE, variables: (t, small) => ({ id: small ? t.smallTrustId : t.trustId }) },
  normaliseTrellis: (data) => ({
    name: data.group.name,
    members: page(
      data.group.members.totalCount,
      data.group.members.edges.map(({ node: s }: any) => ({
        urn: s.urn,
        name: s.name,
        inspection: s.latestInspection && { on: day(s.latestInspection.inspectedOn), grade: OFSTED[s.latestInspection.overallEffectiveness] ?? null },
        measures: sorted(
          s.latestMeasures.map((m: any) => ({ metric: lower(m.metric), year: m.academicYear, value: num(m.value) })),
          measureKey,
        ),
        alerts: page(
          s.alerts.totalCount,
          s.alerts.edges.map(({ node: a }: any) => ({ severity: lower(a.severity), raisedAt: instant(a.raisedAt), rule: a.rule.name })),
          alertKey,
        ),
      })),
      (s: any) => s.urn,
    ),
  }),
  normalisePostgraphile: (data) => {
    const g = data.schoolGroupByRowId;
    return {
      name: g.name,
      members: page(
        g.membershipsByGroupId.totalCount,
        g.membershipsByGroupId.nodes.map(({ schoolBySchoolId: s }: any) => {
          const inspection = s.inspectionsBySchoolId.nodes[0];
          return {
            urn: s.urn,
            name: s.name,
            inspection: inspection ? { on: day(inspection.inspectedOn), grade: inspection.overallEffectiveness } : null,
            measures: sorted(
              s.latestMeasures.nodes.map((m: any) => ({ metric: m.metric, year: m.academicYear, value: num(m.value) })),
              measureKey,
            ),
            alerts: page(
              s.alertsBySchoolId.totalCount,
              s.alertsBySchoolId.nodes.map((a: any) => ({ severity: a.severity, raisedAt: instant(a.raisedAt), rule: a.triggerRuleByRuleId.name })),
              alertKey,
            ),
          };
        }),
        (s: any) => s.urn,
      ),
    };
  },
};

export const QUERIES: BenchQuery[] = [LIGHT, EXECUTIVE_HEAD, HEAVY, MORNING];

const groupGlobalId = (id: number): string => toGlobalId('Group', id);
