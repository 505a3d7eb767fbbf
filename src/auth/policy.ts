import { mayChangeTriggerRule } from './reach-rules';
import { AppScope, intArray, Scope, Viewer } from './viewer';

/**
 * The one table of who may read and change which rows. Types not listed here are public facts
 * (schools, groups, memberships, group links, objectives, inspections, outcome measures).
 * Loaders (core/loaders.ts) filter every row they return through `visibleRows`/`rowFilter`, and
 * mutations check every object they name through `mayChange` (core/user-errors.ts).
 */
export interface RowRule {
  /** The scope a partner app needs to read such rows (it then reads all of them). */
  readScope: AppScope;
  /** The scope a partner app needs to change such rows. */
  writeScope?: AppScope;
  /** Whether a person with this scope may read the row. */
  sees(scope: Scope, row: any, viewer: Viewer): boolean | Promise<boolean>;
  /**
   * The columns `sees` reads besides the row's id. A prefetch reads only the columns a selection
   * needs (core/prefetch.ts), and these are kept among them; left out, every key column is kept.
   * test/row-rule-reads.test.ts holds each rule to its list.
   */
  reads?: readonly string[];
  /**
   * The same rule in SQL on the table aliased `t`, for lists paged and counted in SQL. `column` gives
   * a column's SQL (`t."school_id"`); a list under a parent gives the parent's key for the column the
   * list hangs from (a school's alerts: the school's id for `school_id`), and a rule that writes its
   * columns with it no longer depends on the row there, so PostgreSQL checks it once per parent
   * instead of on every row (and does not sort the caller's ids into every index scan).
   */
  sql?(scope: Scope, viewer: Viewer, column: (name: string) => string): { sql: string; params: unknown[] };
  /** Whether a person may change the row; defaults to `sees`. */
  changes?(scope: Scope, row: any, viewer: Viewer): boolean | Promise<boolean>;
}

const idOf = (ref: unknown): number | undefined =>
  ref == null ? undefined : typeof ref === 'number' ? ref : ((ref as { id?: number }).id ?? undefined);

/** The school a row belongs to, whether mapped as a reference (`school`) or a plain column (`schoolId`). */
export const schoolOf = (row: any): number | undefined => idOf(row.school) ?? idOf(row.schoolId);

const rules = new Map<string, RowRule>();
/** Which table each ruled entity lives in, for SQL lists. */
const tables = new Map<string, string>();

/** Domain folders whose rows are private register their rule once, by GraphQL type name and table. */
export function registerRowRule(typeName: string, table: string, rule: RowRule): void {
  rules.set(typeName, rule);
  tables.set(table, typeName);
}

/** A rule for rows that belong to one school: private to those who reach the school. */
export function schoolRowRule(readScope: AppScope, writeScope?: AppScope, column = 'school_id'): RowRule {
  return {
    readScope,
    writeScope,
    sees: (scope, row) => scope.schoolIds.has(schoolOf(row) ?? -1),
    reads: [column],
    sql: (scope, _viewer, on) => ({ sql: `${on(column)} = any(?::int[])`, params: [intArray(scope.schoolIds)] }),
  };
}

registerRowRule('Person', 'person', {
  readScope: AppScope.READ_PEOPLE,
  writeScope: AppScope.WRITE_PEOPLE,
  sees: (_scope, row, viewer) => viewer.peopleNow()?.has(row.id) ?? viewer.people().then((people) => people.has(row.id)),
  reads: [],
  // Anyone who may write may name a person (e.g. to appoint them); the body or school is what is checked.
  changes: () => true,
});

// A person always sees their own posts (as their own seats), whatever reach the post grants.
registerRowRule('Post', 'post', {
  readScope: AppScope.READ_PEOPLE,
  writeScope: AppScope.WRITE_PEOPLE,
  sees: (scope, row, viewer) =>
    scope.schoolIds.has(idOf(row.school) ?? -1) || scope.groupIds.has(idOf(row.group) ?? -1) || idOf(row.person) === viewer.personId,
  reads: ['school_id', 'group_id', 'person_id'],
  sql: (scope, viewer) => ({
    sql: `t.school_id = any(?::int[]) or t.group_id = any(?::int[]) or t.person_id = ?`,
    params: [intArray(scope.schoolIds), intArray(scope.groupIds), viewer.personId ?? 0],
  }),
  // Seeing one's own post is not the right to change it: that stays with the post's school or group.
  changes: (scope, row) => scope.schoolIds.has(idOf(row.school) ?? -1) || scope.groupIds.has(idOf(row.group) ?? -1),
});

registerRowRule('GoverningBody', 'governing_body', {
  readScope: AppScope.READ_GOVERNANCE,
  writeScope: AppScope.WRITE_GOVERNANCE,
  sees: (scope, row) => scope.bodyIds.has(row.id),
  reads: [],
  sql: (scope) => ({ sql: `t.id = any(?::int[])`, params: [intArray(scope.bodyIds)] }),
  changes: (scope, row) => scope.manageBodyIds.has(row.id),
});

registerRowRule('Governorship', 'governorship', {
  readScope: AppScope.READ_GOVERNANCE,
  writeScope: AppScope.WRITE_GOVERNANCE,
  sees: (scope, row, viewer) => scope.bodyIds.has(idOf(row.governingBody) ?? -1) || idOf(row.person) === viewer.personId,
  reads: ['governing_body_id', 'person_id'],
  sql: (scope, viewer) => ({
    sql: `t.governing_body_id = any(?::int[]) or t.person_id = ?`,
    params: [intArray(scope.bodyIds), viewer.personId ?? 0],
  }),
  changes: (scope, row) => scope.manageBodyIds.has(idOf(row.governingBody) ?? -1),
});

registerRowRule('SupportLink', 'support_link', {
  readScope: AppScope.READ_SCHOOLS,
  writeScope: AppScope.WRITE_SUPPORT,
  sees: (scope, row) => scope.schoolIds.has(idOf(row.giver) ?? -1) || scope.schoolIds.has(idOf(row.receiver) ?? -1),
  reads: ['giver_id', 'receiver_id'],
  sql: (scope) => ({
    sql: `t.giver_id = any(?::int[]) or t.receiver_id = any(?::int[])`,
    params: [intArray(scope.schoolIds), intArray(scope.schoolIds)],
  }),
});

// An alert reaches everyone listed as its recipient (core/reach.ts): those who reach its school, and
// partner schools' peer review leads, who see the alert but may not acknowledge or resolve it.
registerRowRule('Alert', 'alert', {
  readScope: AppScope.READ_ALERTS,
  writeScope: AppScope.WRITE_ALERTS,
  sees: (scope, row) => scope.alertSchoolIds.has(schoolOf(row) ?? -1),
  reads: ['school_id'],
  sql: (scope, _viewer, on) => ({ sql: `${on('school_id')} = any(?::int[])`, params: [intArray(scope.alertSchoolIds)] }),
  changes: (scope, row) => scope.schoolIds.has(schoolOf(row) ?? -1),
});
registerRowRule('SelfEvaluation', 'self_evaluation', schoolRowRule(AppScope.READ_EVIDENCE, AppScope.WRITE_EVIDENCE));

/** Public rows may be read by anyone; changing them is ruled here (groups and schools are public but not free to change). */
const changeRules: Record<string, { writeScope?: AppScope; changes(scope: Scope, row: any): boolean }> = {
  // Any write scope lets an app name a school (a body, a post, evidence, a membership all hang off one).
  School: { changes: (scope, row) => scope.schoolIds.has(row.id) },
  Group: { writeScope: AppScope.WRITE_GROUPS, changes: (scope, row) => scope.groupIds.has(row.id) },
  Membership: {
    writeScope: AppScope.WRITE_GROUPS,
    changes: (scope, row) => scope.groupIds.has(idOf(row.group) ?? -1) || scope.schoolIds.has(idOf(row.school) ?? -1),
  },
  GroupLink: {
    writeScope: AppScope.WRITE_GROUPS,
    changes: (scope, row) => scope.groupIds.has(idOf(row.fromGroup) ?? -1) || scope.groupIds.has(idOf(row.toGroup) ?? -1),
  },
  StrategicObjective: { writeScope: AppScope.WRITE_GROUPS, changes: (scope, row) => scope.groupIds.has(idOf(row.group) ?? -1) },
  // A group's own rules are its board's and executive leaders' to change; system defaults are admins' (auth/reach-rules.ts).
  TriggerRule: { writeScope: AppScope.WRITE_ALERTS, changes: (scope, row) => mayChangeTriggerRule(scope, row.groupId) === undefined },
};

/** Input fields that only point at an object without changing it (a group rule overriding a default): reading it is enough. */
const REFERENCE_FIELDS = new Set(['overridesRuleId']);

/** Public rows named by a mutation whose type is in neither table: ruled by the school or group they belong to. */
function fallbackChange(scope: Scope, row: any): boolean {
  const school = schoolOf(row);
  if (school !== undefined) return scope.schoolIds.has(school);
  const group = idOf(row.group) ?? idOf(row.groupId);
  if (group !== undefined) return scope.groupIds.has(group);
  return false;
}

/**
 * The columns the read rule of `typeName` needs besides the id: none for public types, the rule's
 * `reads`, or undefined (every key column) for a rule that does not say.
 */
export function ruleReads(typeName: string): readonly string[] | undefined {
  const rule = rules.get(typeName);
  return rule ? rule.reads : [];
}

/** Every read rule, by type name and table: for tests that hold each rule to its `reads`. */
export function rowRules(): { typeName: string; table: string; rule: RowRule }[] {
  return [...tables].map(([table, typeName]) => ({ typeName, table, rule: rules.get(typeName)! }));
}

export function isPrivateType(typeName: string): boolean {
  return rules.has(typeName);
}

/** Whether the viewer may read one row of a type (public types: always). */
export async function maySee(viewer: Viewer, typeName: string, row: unknown): Promise<boolean> {
  const rule = rules.get(typeName);
  if (!rule || row == null) return true;
  if (viewer.kind === 'app') return viewer.hasScope(rule.readScope);
  if (viewer.kind !== 'person') return false;
  const scope = await viewer.scope();
  return scope.admin || (await rule.sees(scope, row, viewer));
}

/** The rows of a list the viewer may read, in order. */
export async function visibleRows<T>(viewer: Viewer, rows: T[]): Promise<T[]> {
  return visibleRowsNow(viewer, rows) ?? visibleRowsWaiting(viewer, rows);
}

/**
 * visibleRows without waiting, when every rule can answer at once (the caller's scope already read,
 * rules that need nothing more): a large read filters thousands of rows, a promise each otherwise.
 * Undefined when some row needs to wait; the same rules as maySee.
 */
export function visibleRowsNow<T>(viewer: Viewer, rows: T[]): T[] | undefined {
  const scope = viewer.kind === 'person' ? viewer.scopeNow() : undefined;
  const kept: T[] = [];
  for (const row of rows) {
    const rule = row && typeof row === 'object' ? rules.get(row.constructor.name) : undefined;
    if (!rule) kept.push(row);
    else if (viewer.kind === 'app') {
      if (viewer.hasScope(rule.readScope)) kept.push(row);
    } else if (viewer.kind === 'person') {
      if (!scope) return undefined;
      if (scope.admin) kept.push(row);
      else {
        const seen = rule.sees(scope, row, viewer);
        if (typeof seen !== 'boolean') return undefined;
        if (seen) kept.push(row);
      }
    }
  }
  return kept;
}

/** What visibleRowNow answers when a rule has to wait (the caller's scope not read yet). */
export const WAIT = Symbol('wait');

/**
 * visibleRowsNow for one row, without the arrays: the row when the viewer may read it, undefined when
 * not, WAIT when a rule has to wait. A prefetch checks every related row (each governor's person) this way.
 */
export function visibleRowNow<T>(viewer: Viewer, row: T): T | undefined | typeof WAIT {
  const rule = row && typeof row === 'object' ? rules.get(row.constructor.name) : undefined;
  if (!rule) return row;
  if (viewer.kind === 'app') return viewer.hasScope(rule.readScope) ? row : undefined;
  if (viewer.kind !== 'person') return undefined;
  const scope = viewer.scopeNow();
  if (!scope) return WAIT;
  if (scope.admin) return row;
  const seen = rule.sees(scope, row, viewer);
  if (typeof seen !== 'boolean') return WAIT;
  return seen ? row : undefined;
}

async function visibleRowsWaiting<T>(viewer: Viewer, rows: T[]): Promise<T[]> {
  const checks = await Promise.all(rows.map((row) => (row && typeof row === 'object' ? maySee(viewer, row.constructor.name, row) : true)));
  return rows.filter((_, i) => checks[i]);
}

/**
 * The SQL condition (on alias `t`) that keeps a list of `table` to what the viewer may read; undefined
 * when nothing needs filtering (public tables, admins, apps with the read scope).
 */
export async function rowFilter(
  viewer: Viewer,
  table: string,
  /** The parent a list hangs from: its rows' `column` equals `key` (SQL), which a rule may check instead. */
  parent?: { column: string; key: string },
): Promise<{ sql: string; params: unknown[] } | undefined> {
  const typeName = tables.get(table);
  const rule = typeName ? rules.get(typeName) : undefined;
  if (!rule) return undefined;
  if (viewer.kind === 'app') return viewer.hasScope(rule.readScope) ? undefined : { sql: 'false', params: [] };
  if (viewer.kind !== 'person') return { sql: 'false', params: [] };
  const scope = await viewer.scope();
  if (scope.admin) return undefined;
  const on = (name: string) => (parent && name === parent.column ? parent.key : `t."${name}"`);
  return rule.sql ? rule.sql(scope, viewer, on) : { sql: 'false', params: [] };
}

export type ChangeVerdict = 'allowed' | 'hidden' | 'forbidden';

/**
 * Whether the viewer may change (or name in a change) one row. 'hidden' when they may not even read
 * it (reported as not found, so a change never reveals what exists), 'forbidden' when they may read
 * but not change it.
 */
export async function mayChange(viewer: Viewer, typeName: string, row: unknown, field: string[] = []): Promise<ChangeVerdict> {
  if (!(await maySee(viewer, typeName, row))) return 'hidden';
  if (REFERENCE_FIELDS.has(field[field.length - 1])) return 'allowed';
  const rule = rules.get(typeName);
  const change = changeRules[typeName];
  if (viewer.kind === 'app') {
    const needed = rule?.writeScope ?? change?.writeScope;
    if (needed) return viewer.hasScope(needed) ? 'allowed' : 'forbidden';
    return viewer.app!.scopes.some((s) => s.startsWith('write:')) ? 'allowed' : 'forbidden';
  }
  if (viewer.kind !== 'person') return 'forbidden';
  const scope = await viewer.scope();
  if (scope.admin) return 'allowed';
  const allowed = rule
    ? await (rule.changes ?? rule.sees)(scope, row, viewer)
    : change
      ? change.changes(scope, row)
      : fallbackChange(scope, row);
  return allowed ? 'allowed' : 'forbidden';
}
