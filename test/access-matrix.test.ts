import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  GraphQLField,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  isAbstractType,
  isLeafType,
  isNonNullType,
  isObjectType,
  Lexer,
  Source,
  TokenKind,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { computeBands } from '../src/analytics/bands.service';
import { fromGlobalId, toGlobalId } from '../src/core/node';
import { collect, connected, sleep, wsClient } from './alert-fixtures';
import { BODY, CASE, databaseChecksum, G, loadFixture, loadOracle, Oracle, P, REVIEW, S, SCOPES } from './access-fixture';
import { startTestApp, TEST_ADMIN_ID, TestApp, wsUrlOf } from './helpers';

/**
 * The access matrix, generated from the schema rather than sampled: every caller (anonymous, each kind
 * of person, the administrator, and an API key with each single scope) against every query field, every
 * field of every object type (reached through `node` for every row, and through the root fields), every
 * mutation and the alert subscription. Every answer is checked against reach computed by the test's own
 * SQL (access-fixture.ts ORACLE_SQL), not by the application's policy code:
 *   - no error but FORBIDDEN / UNAUTHENTICATED (never INTERNAL_SERVER_ERROR);
 *   - every private row named anywhere in an answer (an object's id, or a global ID inside JSON such as
 *     alert evidence) is one the caller reaches; no raw `person:<id>` labels for anyone but admins;
 *   - contact details only for the caller, their fellow governors and admins;
 *   - `node` answers exactly the private rows the caller reaches (nothing less, nothing more);
 *   - each refused mutation leaves every table byte-for-byte unchanged.
 */

const schema: GraphQLSchema = buildSchema(readFileSync(join(__dirname, '../schema/schema.graphql'), 'utf8'));

let app: TestApp;
let as: Record<string, string | undefined>;
let oracle: Map<number, Oracle>;
/** The facts of each private row that decide who may see it. */
const rows = new Map<string, Record<string, any>>();

/** Which tables hold the rows of each Node type. */
const NODE_TABLES: Record<string, string> = {
  Alert: 'alert',
  GoverningBody: 'governing_body',
  Governorship: 'governorship',
  Group: 'school_group',
  GroupLink: 'group_link',
  Inspection: 'inspection',
  Membership: 'membership',
  MembershipLeaveRequest: 'membership_leave_request',
  OutcomeMeasure: 'outcome_measure',
  Person: 'person',
  Post: 'post',
  School: 'school',
  SelfEvaluation: 'self_evaluation',
  StrategicObjective: 'strategic_objective',
  SupportLink: 'support_link',
  TriggerRule: 'trigger_rule',
};

/** Private types and the scope an API key needs to read them (README, "Who may see and do what"). */
const PRIVATE: Record<string, string> = {
  Person: 'read:people',
  Post: 'read:people',
  GoverningBody: 'read:governance',
  Governorship: 'read:governance',
  SupportLink: 'read:schools',
  SelfEvaluation: 'read:evidence',
  Alert: 'read:alerts',
  MembershipLeaveRequest: 'read:governance',
};

const PEOPLE = Object.keys(P);
const KEYS = SCOPES.map((scope) => `key:${scope}`);
const CALLERS = ['anonymous', 'admin', ...PEOPLE, ...KEYS];

const personOf = (caller: string): number | undefined => (caller === 'admin' ? TEST_ADMIN_ID : (P as Record<string, number>)[caller]);

/** Whether the caller may see a private row, by the test's own reckoning. */
function reaches(caller: string, type: string, id: number): boolean {
  if (!(type in PRIVATE)) return true;
  if (caller === 'admin') return true;
  if (caller === 'anonymous') return false;
  if (caller.startsWith('key:')) return caller === `key:${PRIVATE[type]}`;
  const me = personOf(caller)!;
  const o = oracle.get(me)!;
  const row = rows.get(`${type}:${id}`);
  if (!row) throw new Error(`no facts for ${type}:${id}`);
  switch (type) {
    case 'Person':
      return o.people.has(id);
    case 'Post':
      return o.schools.has(row.school_id) || o.groups.has(row.group_id) || row.person_id === me;
    case 'GoverningBody':
      return o.bodies.has(id);
    case 'Governorship':
      return o.bodies.has(row.governing_body_id) || row.person_id === me;
    case 'SupportLink':
      return o.schools.has(row.giver_id) || o.schools.has(row.receiver_id);
    case 'SelfEvaluation':
      return o.schools.has(row.school_id);
    case 'Alert':
      return o.alertSchools.has(row.school_id);
    case 'MembershipLeaveRequest':
      return o.schools.has(row.school_id) || o.groups.has(row.group_id);
  }
  return false;
}

async function loadRows(): Promise<void> {
  rows.clear();
  for (const [type, table] of Object.entries(NODE_TABLES)) {
    for (const row of await app.sql<Record<string, any>>(`select * from ${table}`)) rows.set(`${type}:${row.id}`, row);
  }
  oracle = await loadOracle(app);
}

/** Everything found wrong, per caller, so one failure lists every leak at once. */
const problems: string[] = [];
/** (caller, type, field) triples answered and checked. */
const checked = new Set<string>();

/** Checks one answer: error codes, every private row it names, contact details and raw labels. */
function inspect(caller: string, where: string, result: { data?: any; errors?: any[] }): void {
  for (const error of result.errors ?? []) {
    const code = error.extensions?.code;
    if (code !== 'FORBIDDEN' && code !== 'UNAUTHENTICATED') problems.push(`${caller} ${where}: ${code} ${error.message} at ${error.path?.join('.')}`);
  }
  const me = personOf(caller);
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) return value.forEach((item, i) => walk(item, `${path}.${i}`));
    if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if ((object.email != null || object.phone != null) && typeof object.id === 'string') {
        const person = fromGlobalId(object.id);
        const allowed = caller === 'admin' || (me !== undefined && person && oracle.get(me)?.contacts.has(person.id));
        if (!allowed) problems.push(`${caller} ${where}: contact details of ${object.id} at ${path}`);
      }
      for (const [key, child] of Object.entries(object)) walk(child, `${path}.${key}`);
      return;
    }
    if (typeof value !== 'string') return;
    if (caller !== 'admin' && /\b(person|app):\d+/.test(value)) problems.push(`${caller} ${where}: raw caller label "${value}" at ${path}`);
    const parsed = fromGlobalId(value);
    if (parsed && parsed.typeName in PRIVATE && !reaches(caller, parsed.typeName, parsed.id))
      problems.push(`${caller} ${where}: ${parsed.typeName} ${parsed.id} outside reach at ${path}`);
  };
  walk(result.data, 'data');
}

/**
 * Fields the matrix found broken for every caller, admin included (not an access leak), that belong to
 * another part: left out of the walk until fixed. None now: School.performanceBand answered
 * INTERNAL_SERVER_ERROR on `computedAt` (a timestamp read as PostgreSQL text, which the DateTime
 * scalar refuses), fixed in analytics/bands.service.ts loadBands.
 */
const KNOWN_FAILURES = new Set<string>([]);

/** Arguments for a field: small pages, and history included (more rows, more chances to leak). */
function argsOf(field: GraphQLField<unknown, unknown>): string | undefined {
  const parts: string[] = [];
  for (const arg of field.args) {
    if (arg.name === 'first') parts.push('first: 3');
    else if (['includeFormer', 'includeEnded'].includes(arg.name)) parts.push(`${arg.name}: true`);
    else if (isNonNullType(arg.type) && arg.defaultValue === undefined) return undefined; // needs an ID: reached through node instead
  }
  return parts.length ? `(${parts.join(', ')})` : '';
}

/**
 * Every field of a type: scalars as they are, Node objects by id and __typename (their own fields
 * are checked through `node`), other objects (connections, edges, payload parts) expanded in full.
 */
function selectionOf(type: GraphQLNamedType, depth = 0): string[] {
  if (isLeafType(type)) return [];
  if (isAbstractType(type)) return ['__typename', ...schema.getPossibleTypes(type).map((t) => `... on ${t.name} { ${selectionOf(t, depth + 1).join(' ')} }`)];
  const object = type as GraphQLObjectType;
  const isNode = object.getInterfaces().some((i) => i.name === 'Node');
  if (isNode && depth > 0) return ['__typename', 'id'];
  const fields: string[] = [];
  for (const field of Object.values(object.getFields())) {
    const args = argsOf(field);
    if (args === undefined) continue;
    if (KNOWN_FAILURES.has(`${object.name}.${field.name}`)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) fields.push(`${field.name}${args}`);
    else if (depth < 3) fields.push(`${field.name}${args} { ${selectionOf(named, depth + 1).join(' ')} }`);
  }
  return fields;
}

/** Tokens in a document, as the token limit counts them. */
function tokens(text: string): number {
  const lexer = new Lexer(new Source(text));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n += 1;
  return n;
}

/** Splits a list into pieces. */
function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

beforeAll(async () => {
  app = await startTestApp();
  as = await loadFixture(app);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe('alerts: recipients are exactly who receives them', () => {
  const received = new Map<string, { school: string; payload: any }[]>();

  it('each caller receives exactly the alerts of the schools it reaches, and each alert lists exactly those people', async () => {
    const subscribers = [...PEOPLE, 'admin', 'key:subscribe:alerts'];
    const streams = subscribers.map((caller) => {
      const client = wsClient(wsUrlOf(app.url), as[caller]);
      const stream = collect(client, `subscription { alertRaised { cursor actor alert { id evidence school { id } recipients { person { id } } } } }`);
      return { caller, client, stream };
    });
    await Promise.all(streams.map((s) => connected(s.client)));
    // One system rule, evaluated at once: governors' terms ending within 200 days at A, T1, F1, F2 and X.
    const created = await app.data(
      `mutation { triggerRuleCreate(input: { kind: GOVERNOR_TERMS_ENDING, name: "Terms ending", severity: WATCH, parameters: { withinDays: 200 } }) {
        triggerRule { id } userErrors { message } } }`,
    );
    expect(created.triggerRuleCreate.userErrors).toEqual([]);
    await loadRows();
    const alerts = [...rows.entries()].filter(([key]) => key.startsWith('Alert:')).map(([, row]) => row);
    expect(alerts.map((a) => a.school_id).sort()).toEqual([S.A, S.T1, S.F1, S.F2, S.X].sort());
    const admin = streams.find((s) => s.caller === 'admin')!;
    await admin.stream.until(alerts.length);
    await sleep(500); // the others have had the same events to read; give stragglers a moment before counting

    const recipients = await app.data(
      `query { alerts(first: 20) { edges { node { school { id } recipients { person { id } reason } } } } }`,
    );
    for (const { caller, client, stream } of streams) {
      received.set(caller, stream.events.map((e: any) => ({ school: e.alert.school.id, payload: e })));
      for (const event of stream.events) inspect(caller, 'alertRaised', { data: event });
      await client.dispose();
    }
    for (const caller of PEOPLE) {
      const expected = alerts.filter((a) => oracle.get(personOf(caller)!)!.alertSchools.has(a.school_id)).map((a) => toGlobalId('School', a.school_id));
      expect([...received.get(caller)!.map((e) => e.school)].sort(), caller).toEqual(expected.sort());
    }
    expect(received.get('key:subscribe:alerts')).toEqual([]); // subscribe without read:alerts: nothing
    // Listed as a recipient <=> receives the events (administrators receive all without being listed).
    for (const edge of recipients.alerts.edges) {
      const listed = edge.node.recipients.map((r: any) => fromGlobalId(r.person.id)!.id).filter((id: number) => id !== TEST_ADMIN_ID);
      const receivers = PEOPLE.filter((caller) => received.get(caller)!.some((e) => e.school === edge.node.school.id)).map((c) => personOf(c));
      expect(listed.sort(), `recipients of the alert at ${edge.node.school.id}`).toEqual([...new Set(listed)].sort());
      expect([...new Set(listed)].sort(), `recipients of the alert at ${edge.node.school.id}`).toEqual(receivers.sort());
    }
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('the read matrix, generated from the schema', () => {
  it('every caller x every Node row x every field answers only what the caller reaches', async () => {
    // Alert history and rule history with real actors, so the fields that name them have something to hide.
    const alertAtA = [...rows.entries()].find(([k, r]) => k.startsWith('Alert:') && r.school_id === S.A)![1];
    await app.data(`mutation ($id: ID!) { alertAcknowledge(input: { alertId: $id }) { userErrors { message } } }`, {
      id: toGlobalId('Alert', alertAtA.id),
    });
    await loadRows();
    const byType = new Map<string, number[]>();
    for (const key of rows.keys()) {
      const [type, n] = key.split(':');
      byType.set(type, [...(byType.get(type) ?? []), Number(n)]);
    }
    const queries: { type: string; fields: string[]; text: string }[] = [];
    for (const type of Object.keys(NODE_TABLES)) {
      // Six fields per query, fewer if the token limit (2,000) asks: a whole School in one query trips the cost limit.
      const text = (part: string[]) => `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on ${type} { ${part.join(' ')} } } }`;
      let part: string[] = [];
      for (const field of [...selectionOf(schema.getType(type)!), '']) {
        if (field && part.length < 6 && tokens(text([...part, field])) < 1500) {
          part.push(field);
          continue;
        }
        if (part.length) queries.push({ type, fields: part.map((f) => f.split(/[ ({]/)[0]), text: text(part) });
        part = field ? [field] : [];
      }
    }
    let answered = 0;
    for (const caller of CALLERS) {
      await Promise.all(
        [...byType.entries()].map(async ([type, ids]) => {
          const globalIds = ids.map((n) => toGlobalId(type, n));
          // Which rows the caller may fetch at all: exactly those it reaches.
          const presence = await app.gqlAs(as[caller], `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: globalIds });
          inspect(caller, `nodes(${type})`, presence);
          ids.forEach((n, i) => {
            const found = presence.data?.nodes?.[i] != null;
            const expected = reaches(caller, type, n);
            if (found !== expected) problems.push(`${caller}: node(${type}:${n}) ${found ? 'answered' : 'hidden'}, expected ${expected ? 'answered' : 'hidden'}`);
          });
          // Every field of every row, in queries small enough for the limits.
          for (const q of queries.filter((q) => q.type === type)) {
            for (const part of chunks(globalIds, 25)) {
              const result = await app.gqlAs(as[caller], q.text, { ids: part });
              inspect(caller, `nodes(${type}) { ${q.fields.join(' ')} }`, result);
              answered += 1;
              if ((result.data?.nodes ?? []).some((node: unknown) => node != null)) for (const f of q.fields) checked.add(`${caller}|${type}|${f}`);
            }
          }
        }),
      );
    }
    const nodeRows = { length: rows.size };
    console.log(`read matrix: ${CALLERS.length} callers x ${nodeRows.length} rows: ${answered} queries, ${checked.size} caller x type x field answers checked`);
    expect(problems).toEqual([]);
  }, 240_000);

  it('every caller x every root query field answers only what the caller reaches', async () => {
    const query = schema.getQueryType()!;
    const roots: { name: string; text: string; variables: Record<string, unknown> }[] = [];
    for (const field of Object.values(query.getFields())) {
      const named = getNamedType(field.type);
      const select = isLeafType(named) ? '' : `{ ${selectionOf(named, 1).join(' ')} }`;
      const byId: Record<string, [string, string]> = {
        group: ['Group', `id: $id`],
        person: ['Person', `id: $id`],
        school: ['School', `id: $id`],
        node: ['Person', `id: $id`],
        nodes: ['Person', `ids: [$id]`],
      };
      if (byId[field.name]) {
        const [type, args] = byId[field.name];
        // A few rows each (every row's fields are walked through `nodes` above).
        for (const [key] of [...rows.entries()].filter(([k]) => k.startsWith(`${type}:`)).slice(0, field.name.startsWith('node') ? 2 : 6)) {
          const full = isObjectType(named) ? `{ ${selectionOf(named, 0).slice(0, 8).join(' ')} }` : `{ __typename id }`;
          roots.push({ name: field.name, text: `query ($id: ID!) { ${field.name}(${args}) ${full} }`, variables: { id: toGlobalId(type, Number(key.split(':')[1])) } });
        }
        continue;
      }
      const args = argsOf(field);
      // Root fields needing arguments the walker cannot invent (analytics: a level, a school, an authority) have their own cases below.
      if (args === undefined || (!isLeafType(named) && selectionOf(named, 1).length === 0)) continue;
      roots.push({ name: field.name, text: `{ ${field.name}${args.includes('first') ? args.replace('first: 3', 'first: 100') : args} ${select} }`, variables: {} });
    }
    for (const caller of CALLERS) {
      await Promise.all(
        roots.map(async (root) => {
          const result = await app.gqlAs(as[caller], root.text, root.variables);
          inspect(caller, root.name, result);
          checked.add(`${caller}|Query|${root.name}`);
        }),
      );
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('every caller x the analytics queries that need arguments: public ones answer alike for all (candidates count only readable support links), impact reports only to their readers', async () => {
    // Sites, inspections (band evidence) and objectives with a metric (impact), written directly so that no alert is
    // raised, then removed again. A (primary) in need with T2 and F1 outstanding near it; T1 (secondary) in need with X.
    const sites: [number, number, number, string][] = [
      [S.A, 50.9, -1.4, 'Romsey'], [S.T1, 50.91, -1.41, 'Romsey'], [S.T2, 50.92, -1.39, 'Eastleigh'], [S.F1, 50.93, -1.42, 'Eastleigh'],
      [S.F2, 51.6, -1.0, 'Basingstoke'], [S.X, 50.905, -1.43, 'Romsey'], [S.N, 50.95, -1.38, 'Eastleigh'],
    ];
    for (const [school, lat, lon, constituency] of sites)
      await app.sql(`update school set latitude = $2, longitude = $3, constituency = $4, region = 'South East' where id = $1`, [school, lat, lon, constituency]);
    await app.sql(`insert into inspection (school_id, inspectorate, inspected_on, overall_effectiveness, source) values
      (${S.A}, 'ofsted', current_date - 100, 3, 'matrix'), (${S.T1}, 'ofsted', current_date - 100, 3, 'matrix'),
      (${S.T2}, 'ofsted', current_date - 100, 1, 'matrix'), (${S.F1}, 'ofsted', current_date - 100, 1, 'matrix'),
      (${S.F2}, 'ofsted', current_date - 100, 4, 'matrix'), (${S.X}, 'ofsted', current_date - 100, 1, 'matrix')`);
    await app.sql(`insert into strategic_objective (group_id, objective, metric, success_criteria, target, target_on) values
      (${G.T}, 'Matrix: raise RWM', 'ks2_rwm_expected_pct', 'RWM up', 70, current_date + 300),
      (12, 'Matrix: raise RWM', 'ks2_rwm_expected_pct', 'RWM up', 70, current_date + 300)`);
    await app.orm.em.fork().transactional((em) => computeBands(em as EntityManager, Object.values(S)));
    try {
      const text = (field: string, args: string, type: string) =>
        `{ ${field}(${args}) { ${selectionOf(schema.getType(type)!, 0).join(' ')} } }`;
      const publicQueries: { name: string; text: string }[] = [
        ...['REGION', 'LOCAL_AUTHORITY', 'CONSTITUENCY'].map((level) => ({
          name: `supportCapacity(${level})`,
          text: text('supportCapacity', `level: ${level}, radiusKm: 10`, 'SupportCapacity'),
        })),
        { name: 'supportCapacity(PRIMARY, area)', text: text('supportCapacity', `level: CONSTITUENCY, phase: PRIMARY, radiusKm: 5, area: { localAuthorityCode: 850 }`, 'SupportCapacity') },
        { name: 'schoolsInNeedWithoutCandidate(area)', text: text('schoolsInNeedWithoutCandidate', `phase: PRIMARY, radiusKm: 5, area: { localAuthorityCode: 851 }, first: 10`, 'SchoolConnection') },
        ...Object.entries(S).map(([name, school]) => ({
          name: `partnerCandidates(${name})`,
          text: text('partnerCandidates', `schoolId: "${toGlobalId('School', school)}", radiusKm: 25, first: 10`, 'PartnerCandidateConnection'),
        })),
      ];
      const adminAnswers = new Map<string, string>();
      for (const q of publicQueries) {
        const result = await app.gqlAs(as.admin, q.text);
        expect(result.errors, q.name).toBeUndefined();
        adminAnswers.set(q.name, JSON.stringify(result.data));
      }
      // The fixture's analytics have something in them: a candidate for A, T1 with X, F2 with none; and a candidate
      // that gives support (F1 to F2, link 62), whose link the administrator sees and an anonymous caller must not.
      expect(adminAnswers.get('partnerCandidates(A)')).toContain(toGlobalId('School', S.T2));
      const f1For = async (caller: string) =>
        (await app.gqlAs(as[caller], publicQueries.find((q) => q.name === 'partnerCandidates(A)')!.text)).data!.partnerCandidates.edges.find(
          (e: any) => e.node.school.id === toGlobalId('School', S.F1),
        ).node;
      expect((await f1For('admin')).commitments.supportLinksGiven).toBe(1);
      const hidden = await f1For('anonymous');
      expect(hidden.commitments).toMatchObject({ supportLinksGiven: 0, staffDaysCommitted: 0 });
      expect(hidden.reasons.join(' ')).toContain('Gives no support now (counting only the support links you may read)');
      expect(adminAnswers.get('partnerCandidates(T1)')).toContain(toGlobalId('School', S.X));
      expect(adminAnswers.get('schoolsInNeedWithoutCandidate(area)')).toContain(toGlobalId('School', S.F2));
      // Who may read each authority's impact report, by the README: its officers, admins, apps with read:evidence.
      const reportGroups: Record<number, number[]> = { 850: [12, G.T], 851: [12, G.T], 852: [12], 999: [] };
      const readsReport = (caller: string, la: number) => caller === 'admin' || caller === 'key:read:evidence' || (caller === 'laOfficer' && la === 850);
      for (const caller of CALLERS) {
        for (const q of publicQueries) {
          const result = await app.gqlAs(as[caller], q.text);
          inspect(caller, q.name, result);
          checked.add(`${caller}|Query|${q.name}`);
          if (!q.name.startsWith('partnerCandidates')) {
            if (JSON.stringify(result.data) !== adminAnswers.get(q.name)) problems.push(`${caller} ${q.name}: a public answer differs from the administrator's`);
            continue;
          }
          // Candidates: the same schools at the same distances for everyone; their commitments count only the
          // support links (private rows) the caller reaches.
          const edges = result.data?.partnerCandidates?.edges ?? [];
          const where = (list: any[]) => list.map((e: any) => `${e.node.school.id}@${e.node.distanceKm}`).sort();
          if (JSON.stringify(where(edges)) !== JSON.stringify(where(JSON.parse(adminAnswers.get(q.name)!).partnerCandidates.edges)))
            problems.push(`${caller} ${q.name}: other candidates than the administrator's`);
          for (const edge of edges) {
            const giver = fromGlobalId(edge.node.school.id)!.id;
            const links = [...rows.entries()].filter(([k, r]) => k.startsWith('SupportLink:') && r.giver_id === giver && !r.ends_on);
            const readable = links.filter(([, r]) => reaches(caller, 'SupportLink', r.id));
            if (edge.node.commitments.supportLinksGiven !== readable.length)
              problems.push(`${caller} ${q.name}: ${edge.node.school.id} counts ${edge.node.commitments.supportLinksGiven} support links given, the caller reaches ${readable.length}`);
          }
        }
        for (const la of Object.keys(reportGroups).map(Number)) {
          const result = await app.gqlAs(as[caller], text('impactReport', `localAuthorityCode: ${la}, first: 10`, 'GroupImpactConnection'));
          inspect(caller, `impactReport(${la})`, result);
          checked.add(`${caller}|Query|impactReport(${la})`);
          if (readsReport(caller, la)) {
            expect(result.errors, `${caller} impactReport(${la})`).toBeUndefined();
            const groups = result.data!.impactReport.edges.map((e: any) => fromGlobalId(e.node.group.id)!.id);
            expect(groups.sort(), `${caller} impactReport(${la})`).toEqual([...reportGroups[la]].sort());
          } else {
            const codes = (result.errors ?? []).map((e: any) => e.extensions?.code);
            expect(codes, `${caller} impactReport(${la})`).toEqual([caller === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN']);
            expect(result.data?.impactReport ?? null, `${caller} impactReport(${la})`).toBeNull();
          }
        }
      }
      expect(problems).toEqual([]);
    } finally {
      await app.sql(`delete from strategic_objective where objective = 'Matrix: raise RWM'`);
      await app.sql(`delete from performance_band where school_id = any($1::int[])`, [Object.values(S)]);
      await app.sql(`delete from inspection where source = 'matrix'`);
      await app.sql(`update school set latitude = null, longitude = null, constituency = null, region = null where id = any($1::int[])`, [Object.values(S)]);
    }
  }, 120_000);

  it('lists hold every row the caller reaches (nothing hidden that should show)', async () => {
    // The inbox: exactly the alerts of schools each caller reaches (alert reach includes partners' for review leads).
    for (const caller of CALLERS) {
      const result = await app.gqlAs(as[caller], `{ alerts(first: 100) { totalCount edges { node { id } } } }`);
      const expected = [...rows.entries()].filter(([k]) => k.startsWith('Alert:')).filter(([k]) => reaches(caller, 'Alert', Number(k.split(':')[1])));
      if (result.data) expect(result.data.alerts.totalCount, caller).toBe(expected.length);
      else expect(expected.length === 0 || caller === 'anonymous' || caller.startsWith('key:'), caller).toBe(true);
    }
  });
});

/**
 * One case per mutation, built to be valid (the administrator's run at the end must succeed, so a
 * refusal is about access, not about bad input) and aimed at objects around Exe (X) and a second
 * cluster Z of X alone. `allowed` is who may make it by the rules in the README's table, reckoned from
 * the test's own reach; everyone else must be refused with nothing written.
 */
interface MutationCase {
  input: () => Record<string, unknown>;
  /** The write scope an API key needs; keys never make changes that grant reach or system rules. */
  scope: string;
  keysMay: boolean;
  allowed: (caller: string, o: Oracle) => boolean;
}

const Z = 13;
const id = toGlobalId;
const reachesX = (_: string, o: Oracle) => o.schools.has(S.X);
const nobody = () => false;
const hasStanding = (_: string, o: Oracle) => o.schools.size > 0 || o.groups.size > 0 || o.bodies.size > 0 || o.alertSchools.size > 0;
let alertAtX = 0;
let systemRule = 0;
let objectiveOfZ = 0;
/** Trust T's PEER_REVIEW rule (agreed triggers), and the latest request to leave (Tamar leaving T; the fixture's was refused). */
let ruleOfT = 0;
let leaveRequest = 0;

/** The review of Exe's team as it is now (earlier cases add and remove reviewers). */
let reviewersOfX = new Set<number>();
/** The review of Exe is run by Cluster K (whoever may change it: the officer whose schools are in it) and its reviewers. */
const runsReviewOfX = (caller: string, o: Oracle) => o.groups.has(G.K) || reviewersOfX.has(personOf(caller) ?? -1);
/** The case at Exe is run by its lead and its supporter (whoever may change Cluster K). */
const runsCaseAtX = (caller: string, o: Oracle) => caller === 'prlX' || o.groups.has(G.K);

const MUTATIONS: Record<string, MutationCase> = {
  // Peer reviews (issue 11): scheduling and the team are the scheduling group's; the rest its runners'.
  peerReviewSchedule: {
    input: () => ({ groupId: id('Group', G.K), schoolId: id('School', S.X), startsOn: '2026-01-12', leadReviewerId: id('Person', P.headA), reviewerIds: [] }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: (_, o) => o.groups.has(G.K),
  },
  peerReviewReviewerAdd: {
    input: () => ({ peerReviewId: id('PeerReview', REVIEW.X), personId: id('Person', P.govA) }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: (_, o) => o.groups.has(G.K),
  },
  peerReviewReviewerRemove: {
    input: () => ({ peerReviewId: id('PeerReview', REVIEW.X), personId: id('Person', P.govF) }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: (_, o) => o.groups.has(G.K),
  },
  peerReviewFindingRecord: {
    input: () => ({ peerReviewId: id('PeerReview', REVIEW.X), area: 'BEHAVIOUR_AND_ATTITUDES', grade: 2, evidence: 'Calm corridors' }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: runsReviewOfX,
  },
  peerReviewActionAdd: {
    input: () => ({ peerReviewId: id('PeerReview', REVIEW.X), description: 'Publish the attendance plan', ownerId: id('Person', P.prlX), dueOn: '2027-02-28' }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: runsReviewOfX,
  },
  peerReviewActionUpdate: {
    input: () => ({ peerReviewActionId: id('PeerReviewAction', REVIEW.actionX), status: 'IN_PROGRESS' }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: (caller, o) => caller === 'prlX' || runsReviewOfX(caller, o),
  },
  peerReviewStatusUpdate: {
    input: () => ({ peerReviewId: id('PeerReview', REVIEW.X), status: 'CANCELLED', note: 'Matrix' }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: runsReviewOfX,
  },
  // Intervention cases: opened by the supporting group's changers, run by the lead and the supporters.
  interventionCaseOpen: {
    input: () => ({ schoolId: id('School', S.T1), supportingGroupId: id('Group', G.K), leadId: id('Person', P.lcGov), concern: 'Matrix concern' }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: (_, o) => o.groups.has(G.K),
  },
  interventionMilestoneAdd: {
    input: () => ({ interventionCaseId: id('InterventionCase', CASE.X), description: 'Persistent absence below 15%', dueOn: '2027-06-30' }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: runsCaseAtX,
  },
  interventionMilestoneMeet: {
    input: () => ({ interventionMilestoneId: id('InterventionMilestone', CASE.milestoneX), metOn: '2025-12-01' }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: runsCaseAtX,
  },
  interventionReviewRecord: {
    input: () => ({ interventionCaseId: id('InterventionCase', CASE.X), academicYear: '2025/26', term: 'AUTUMN', rating: 'GREEN', notes: 'On track', reviewedOn: '2025-12-01' }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: runsCaseAtX,
  },
  interventionCaseClose: {
    input: () => ({ interventionCaseId: id('InterventionCase', CASE.X), outcome: 'IMPROVED', outcomeNotes: 'Attendance 94%', closedOn: '2025-12-02' }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: runsCaseAtX,
  },
  alertAcknowledge: { input: () => ({ alertId: id('Alert', alertAtX) }), scope: 'write:alerts', keysMay: true, allowed: reachesX },
  alertResolve: { input: () => ({ alertId: id('Alert', alertAtX) }), scope: 'write:alerts', keysMay: true, allowed: reachesX },
  governingBodyAppointGovernor: {
    input: () => ({ governingBodyId: id('GoverningBody', 26), person: { fullName: 'New Governor' }, role: 'GOVERNOR', appointingBody: 'CO_OPTED', termStartedOn: '2025-09-01' }),
    scope: 'write:governance',
    keysMay: false,
    allowed: (caller) => caller === 'govX',
  },
  governingBodyCreate: { input: () => ({ name: 'Exe Second GB', kind: 'SCHOOL', schoolId: id('School', S.X) }), scope: 'write:governance', keysMay: false, allowed: nobody },
  // Whoever appoints to Exe's body (its own governors) sets its size; keys govern nothing.
  governingBodySetSize: { input: () => ({ governingBodyId: id('GoverningBody', 26), setSize: 9 }), scope: 'write:governance', keysMay: false, allowed: (caller) => caller === 'govX' },
  governorshipEnd: { input: () => ({ governorshipId: id('Governorship', 36), endedOn: '2025-12-31' }), scope: 'write:governance', keysMay: false, allowed: (caller) => caller === 'govX' },
  groupAddMember: {
    input: () => ({ groupId: id('Group', Z), schoolId: id('School', S.N), role: 'MEMBER', joinedOn: '2025-09-01' }),
    scope: 'write:groups',
    keysMay: false,
    allowed: (caller) => caller === 'laOfficer',
  },
  groupClose: { input: () => ({ groupId: id('Group', Z), closedOn: '2026-12-31' }), scope: 'write:groups', keysMay: true, allowed: (_, o) => o.groups.has(Z) },
  groupCreate: { input: () => ({ name: 'Matrix Group', kind: 'CLUSTER' }), scope: 'write:groups', keysMay: true, allowed: hasStanding },
  groupLinkCreate: {
    input: () => ({ fromGroupId: id('Group', Z), toGroupId: id('Group', G.F), kind: 'PARTNERS_WITH', startedOn: '2025-09-01' }),
    scope: 'write:groups',
    keysMay: true,
    allowed: (_, o) => o.groups.has(Z) && o.groups.has(G.F),
  },
  groupUpdate: { input: () => ({ groupId: id('Group', Z), name: 'Cluster Z renamed' }), scope: 'write:groups', keysMay: true, allowed: (_, o) => o.groups.has(Z) },
  inspectionRecord: {
    input: () => ({ schoolId: id('School', S.X), inspectorate: 'OFSTED', inspectedOn: '2025-03-01', overallEffectiveness: 'GOOD' }),
    scope: 'write:evidence',
    keysMay: true,
    allowed: reachesX,
  },
  measureRecord: {
    input: () => ({ schoolId: id('School', S.X), metric: 'KS2_RWM_EXPECTED_PCT', academicYear: '2024/25', value: 61, source: 'matrix' }),
    scope: 'write:evidence',
    keysMay: true,
    allowed: reachesX,
  },
  measuresRecordBulk: {
    input: () => ({ source: 'matrix', measures: [{ urn: 910006, metric: 'KS2_RWM_EXPECTED_PCT', academicYear: '2023/24', value: 60 }] }),
    scope: 'write:evidence',
    keysMay: true,
    allowed: nobody,
  },
  membershipEnd: { input: () => ({ membershipId: id('Membership', 60), leftOn: '2026-08-31' }), scope: 'write:groups', keysMay: false, allowed: reachesX },
  personAssignPost: {
    input: () => ({ personId: id('Person', P.outsider), role: 'TEACHER', schoolId: id('School', S.X), fte: 0.5, startedOn: '2025-09-01' }),
    scope: 'write:people',
    keysMay: true,
    allowed: reachesX,
  },
  personCreate: { input: () => ({ fullName: 'Matrix Person' }), scope: 'write:people', keysMay: true, allowed: hasStanding },
  postEnd: { input: () => ({ postId: id('Post', 44), endedOn: '2026-08-31' }), scope: 'write:people', keysMay: false, allowed: (caller) => caller === 'govX' || caller === 'prlX' },
  selfEvaluationRecord: {
    input: () => ({ schoolId: id('School', S.X), area: 'OVERALL_EFFECTIVENESS', grade: 2, evaluatedOn: '2025-06-01' }),
    scope: 'write:evidence',
    keysMay: true,
    allowed: reachesX,
  },
  strategicObjectiveAdd: {
    input: () => ({ groupId: id('Group', Z), objective: 'Raise reading', successCriteria: 'KS2 reading up 5 points' }),
    scope: 'write:groups',
    keysMay: true,
    allowed: (_, o) => o.groups.has(Z),
  },
  supportLinkCreate: {
    input: () => ({ giverId: id('School', S.X), receiverId: id('School', S.T2), area: 'LEADERSHIP', staffDaysCommitted: 4, startedOn: '2025-09-01' }),
    scope: 'write:support',
    keysMay: true,
    allowed: (_, o) => o.schools.has(S.X) && o.schools.has(S.T2),
  },
  supportLinkRecordDelivery: {
    input: () => ({ supportLinkId: id('SupportLink', 61), staffDays: 1 }),
    scope: 'write:support',
    keysMay: true,
    allowed: (_, o) => o.schools.has(S.X) || o.schools.has(S.A),
  },
  familyOfSchoolsRefresh: { input: () => ({ schoolId: id('School', S.X), size: 3 }), scope: 'write:groups', keysMay: true, allowed: reachesX },
  performanceBandSettingsUpdate: { input: () => ({ measureMaxAgeYears: 4 }), scope: 'write:evidence', keysMay: false, allowed: nobody },
  performanceBandThresholdSet: {
    input: () => ({ criterion: 'FLOOR', metric: 'KS2_RWM_EXPECTED_PCT', phase: 'PRIMARY', threshold: 60 }),
    scope: 'write:evidence',
    keysMay: false,
    allowed: nobody,
  },
  performanceBandThresholdRemove: { input: () => ({ criterion: 'FLOOR', metric: 'KS2_RWM_EXPECTED_PCT', phase: 'PRIMARY' }), scope: 'write:evidence', keysMay: false, allowed: nobody },
  successCriterionSet: {
    input: () => ({ objectiveId: id('StrategicObjective', objectiveOfZ), metric: 'KS2_RWM_EXPECTED_PCT', target: 70, targetOn: '2027-07-31' }),
    scope: 'write:groups',
    keysMay: true,
    allowed: (_, o) => o.groups.has(Z),
  },
  // Partnership governance: only a member sitting on the body decides for it (Tamar's committee: lcGov; Trust T's board: the trustees).
  membershipLeaveRequest: {
    input: () => ({ membershipId: id('Membership', 53), requestingBodyId: id('GoverningBody', BODY.LC1), effectiveOn: '2099-08-31', reason: 'Matrix' }),
    scope: 'write:groups',
    keysMay: false,
    allowed: (caller) => caller === 'lcGov',
  },
  membershipLeaveDecide: {
    input: () => ({ requestId: id('MembershipLeaveRequest', leaveRequest), governingBodyId: id('GoverningBody', BODY.TB), decision: 'CONSENT' }),
    scope: 'write:groups',
    keysMay: false,
    allowed: (caller) => caller === 'trustee' || caller === 'leavingTrustee',
  },
  membershipLeaveWithdraw: {
    input: () => ({ requestId: id('MembershipLeaveRequest', leaveRequest), reason: 'Matrix' }),
    scope: 'write:groups',
    keysMay: false,
    allowed: (caller) => caller === 'lcGov',
  },
  triggerRuleAgree: {
    input: () => ({ ruleId: id('TriggerRule', ruleOfT), schoolId: id('School', S.T1), governingBodyId: id('GoverningBody', BODY.LC1) }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: (caller) => caller === 'lcGov',
  },
  triggerRuleCreate: {
    input: () => ({ kind: 'INSPECTION_GRADE_AT_OR_BELOW', name: 'Everywhere', severity: 'INTERVENTION', parameters: { grade: 4 } }),
    scope: 'write:alerts',
    keysMay: false,
    allowed: nobody,
  },
  triggerRuleUpdate: { input: () => ({ ruleId: id('TriggerRule', systemRule), severity: 'INTERVENTION' }), scope: 'write:alerts', keysMay: false, allowed: nobody },
  triggerRuleDisable: { input: () => ({ ruleId: id('TriggerRule', systemRule) }), scope: 'write:alerts', keysMay: false, allowed: nobody },
  triggerRuleEnable: { input: () => ({ ruleId: id('TriggerRule', systemRule) }), scope: 'write:alerts', keysMay: false, allowed: nobody },
};

const refused = (result: { data?: any; errors?: any[] }, name: string): boolean => {
  if (result.errors?.length) return result.errors.every((e) => ['FORBIDDEN', 'UNAUTHENTICATED'].includes(e.extensions?.code));
  const errors = result.data?.[name]?.userErrors ?? [];
  return errors.length > 0 && errors.every((e: any) => ['NOT_ALLOWED', 'NOT_FOUND'].includes(e.code));
};

describe('every mutation, as every caller who may not make it: refused, nothing written', () => {
  beforeAll(async () => {
    await app.sql(`
      insert into school_group (id, name, kind, status, opened_on) values (13, 'Cluster Z', 'cluster', 'open', '2019-09-01');
      insert into membership (id, school_id, group_id, group_kind, role, joined_on) values (60, 6, 13, 'cluster', 'lead', '2019-09-01')`);
    await loadRows();
    alertAtX = [...rows.values()].find((r) => r.school_id === S.X && 'rule_id' in r && 'evidence' in r)!.id;
    systemRule = (await app.sql<{ id: number }>(`select id from trigger_rule where group_id is null and system_key is null order by id limit 1`))[0].id;
    ruleOfT = 91; // access-fixture.ts: Trust T's rule, version 2 (Tamar's committee agreed version 1)
  });

  it('has a case for every mutation in the schema', () => {
    expect(Object.keys(MUTATIONS).sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
  });

  // Disabling before enabling, closing the case after its other changes and Cluster Z last, so the administrator's run of each is valid.
  // A request to leave exists before it is decided, and is withdrawn last.
  const last = [
    'performanceBandThresholdRemove',
    'successCriterionSet',
    'triggerRuleEnable',
    'interventionCaseClose',
    'membershipLeaveRequest',
    'membershipLeaveDecide',
    'membershipLeaveWithdraw',
    'groupClose',
  ];
  const order = [...Object.keys(MUTATIONS).filter((m) => !last.includes(m)).sort(), ...last];
  it.each(order)('%s', async (name) => {
    const field = schema.getMutationType()!.getFields()[name];
    const inputType = getNamedType(field.args[0].type).name;
    const payload = getNamedType(field.type) as GraphQLObjectType;
    const document = `mutation ($input: ${inputType}!) { ${name}(input: $input) { userErrors { field message code } } }`;
    const spec = MUTATIONS[name];
    await loadRows(); // the administrator's earlier runs changed the graph
    objectiveOfZ = (await app.sql<{ id: number }>(`select id from strategic_objective where group_id = ${Z} order by id limit 1`))[0]?.id ?? 0;
    leaveRequest = (await app.sql<{ id: number }>(`select id from membership_leave_request order by id desc limit 1`))[0]?.id ?? 0;
    reviewersOfX = new Set(
      (await app.sql<{ person_id: number }>(`select person_id from peer_review_reviewer where peer_review_id = ${REVIEW.X}`)).map((r) => r.person_id),
    );
    const callers = CALLERS.filter((caller) => {
      if (caller === 'admin') return false;
      if (caller === 'anonymous') return true;
      if (caller.startsWith('key:')) return !(spec.keysMay && caller === `key:${spec.scope}`);
      return !spec.allowed(caller, oracle.get(personOf(caller)!)!);
    });
    expect(payload.getFields().userErrors).toBeDefined();
    const before = await databaseChecksum(app);
    for (const caller of callers) {
      const result = await app.gqlAs(as[caller], document, { input: spec.input() });
      expect(refused(result, name), `${name} as ${caller}: ${JSON.stringify(result)}`).toBe(true);
    }
    expect(await databaseChecksum(app), `${name}: a refused call wrote something`).toBe(before);
    // The same input is valid: the administrator's call goes through (so the refusals above are about access).
    const admin = await app.gqlAs(as.admin, document, { input: spec.input() });
    expect(admin.errors, name).toBeUndefined();
    expect(admin.data![name].userErrors, name).toEqual([]);
    expect(await databaseChecksum(app)).not.toBe(before);
    checked.add(`mutation|${name}|${callers.length}`);
  });

  it('reports the size of the matrix', () => {
    const mutationChecks = [...checked].filter((c) => c.startsWith('mutation|')).reduce((sum, c) => sum + Number(c.split('|')[2]), 0);
    const fieldChecks = [...checked].filter((c) => !c.startsWith('mutation|')).length;
    console.log(`access matrix: ${CALLERS.length} callers; ${fieldChecks} caller x type x field answers checked; ${mutationChecks} refused mutation calls, each table checksummed`);
    expect(fieldChecks).toBeGreaterThan(1000);
  });
});
