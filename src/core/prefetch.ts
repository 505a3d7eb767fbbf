import type { EntityClass } from '@mikro-orm/core';
import {
  FieldNode,
  getArgumentValues,
  GraphQLObjectType,
  GraphQLResolveInfo,
  isInterfaceType,
  isObjectType,
  Kind,
  SelectionSetNode,
} from 'graphql';
import { rowFilter, ruleReads, visibleRowNow, visibleRows, WAIT } from '../auth/policy';
import { preparedRows } from './prepared';
import type { Context } from './context';
import { byId, ChildList, ChildPage, childPages, Loader, whenReady } from './loaders';
import { isPosition, Page, PageArgs, readPage } from './pagination';
import { getMetadataStorage } from 'type-graphql';
import { arrayRowMapper, columnSetter, columnsFor, rowValuesSql, rowWidth } from './rows';

/**
 * Look-ahead prefetch: the way PostGraphile answers a nested selection with one statement. A list
 * resolver that knows its children (Group.members) looks at the selection under it, and for every
 * field below that has a registered prefetcher it adds a correlated subquery returning JSON to its
 * own statement, nested as deep as prefetchers reach (School.governingBodies -> governors -> person).
 * The JSON is then decoded and *primed into the same DataLoaders* the field resolvers read
 * (`loader.prime(key, value)`), so every resolver, guard and row rule runs as before and simply finds
 * its value already loaded; a field no prefetcher knows loads as it always did.
 *
 * The rules stay the loaders' own: a prefetcher filters its SQL with `rowFilter` where its loader
 * does (paged lists: hidden rows are not numbered or counted), and rows whose loader filters with
 * `visibleRows` go through `visibleRows` before they are primed. test/prefetch.test.ts checks that
 * answers with and without prefetch are the same for every role.
 *
 * Registered per field by the domain folder that owns the field (`registerPrefetch`), so this file
 * has no list of fields.
 */

/** A piece of SQL with its `?` parameters, in order. */
export interface Sql {
  sql: string;
  params: unknown[];
}

/** What a prefetcher may need of the selection under its field, besides its arguments. */
export interface Selection {
  /** Only `totalCount` is asked (countOnlyNodes). */
  countOnly: boolean;
  /** For a connection, the fields asked of its edges besides `node` (edgeFieldNames). */
  edgeFields: readonly string[];
}

export interface Prefetcher<A = any> {
  /**
   * Arguments as the resolver would get them, turned into what the SQL and the loader key need;
   * throwing (e.g. a bad cursor) leaves the field to its resolver, which reports the error.
   */
  prepare(args: Record<string, unknown>, selection: Selection): A;
  /**
   * One JSON value per parent row (`parent` is the SQL alias of the parent's row): its rows, each an
   * ObjectJson whose nested values are `nested(alias)`, so fields below are prefetched too.
   */
  sql(ctx: Context, prepared: A, parent: string, b: SqlBuilder, nested: NestedBuilder | undefined, child: Plan | undefined): Promise<Sql>;
  /**
   * Decodes the JSON of one parent and primes the field's loader with it (and nested fields); `child`
   * is the plan below, for loaders whose key names it.
   */
  prime(
    ctx: Context,
    prepared: A,
    parent: Record<string, any>,
    json: any,
    nested: NestedPrimer | undefined,
    child: Plan | undefined,
    /** The planned field: the same for every parent, so what the prime works out once (its loader) can be kept under it (`atPosition`). */
    field: PlannedField,
  ): Priming;
  /** Name of the GraphQL type of the objects the field returns, when fields below them can be prefetched too. */
  childType?: string;
  /** Whether the field is a connection (its objects are under edges { node } or nodes). */
  connection?: boolean;
  /**
   * The columns of the parent's row the field reads besides its id (in SQL, priming and its
   * resolver): a relation its foreign key. The parent's rows are read with these; left out, with
   * every key column.
   */
  parentColumns?: readonly string[];
}

/**
 * One object as a prefetch statement writes it: one flat JSON array, its row's column values (in the
 * plan's columns, `rowValuesSql`) and then, when fields below it are planned, their values in plan
 * order (`nestedSql`). One array per object: PostgreSQL's `json_build_array` is most of what the
 * statement costs it, and arrays are fewer bytes to send and parse than `{r, n}` objects.
 */
export type ObjectJson = unknown[];

/** SQL of an ObjectJson from the SQL list of its row's values and of its nested values (none when nothing is planned below). */
export function objectJsonSql(values: string, nested?: Sql): Sql {
  return nested ? sql`json_build_array(${values}, ${nested})` : { sql: `json_build_array(${values})`, params: [] };
}

/** Builds the nested values of a child row: the nested fields' values as an SQL list, in plan order. */
export type NestedBuilder = (alias: string) => Promise<Sql>;
/** Primes the nested fields of one decoded child object from its array, where they start at `offset` (after its columns). */
export type NestedPrimer = (child: Record<string, any>, values: any[], offset: number) => Priming;

/**
 * What priming returns: nothing when it is done at once (the caller's scope already read, as on every
 * request after a person's first), a promise when some row check had to wait. A large answer primes
 * thousands of objects; a promise for each was a good part of its garbage.
 */
export type Priming = void | Promise<void>;

/** One Priming for many: a promise only when one of them is. */
export function joinPrimings(primings: Priming[]): Priming {
  const waiting = primings.filter((priming): priming is Promise<void> => priming instanceof Promise);
  if (waiting.length > 0) return Promise.all(waiting).then(() => undefined);
}

const prefetchers = new Map<string, Prefetcher>();

export function registerPrefetch<A>(typeName: string, fieldName: string, prefetcher: Prefetcher<A>): void {
  prefetchers.set(`${typeName}.${fieldName}`, prefetcher as Prefetcher);
}

let enabled = process.env.TRELLIS_PREFETCH !== 'off';
/** Turns look-ahead prefetch on or off for the process (tests compare answers both ways). */
export function setPrefetch(on: boolean): void {
  enabled = on;
}

export interface PlannedField {
  key: string;
  prefetcher: Prefetcher;
  prepared: unknown;
  child?: Plan;
}

export interface Plan {
  fields: PlannedField[];
  /** Identifies the plan in loader keys: one statement per distinct plan. */
  signature: string;
  /**
   * The columns the selection needs of these objects' rows (keys always among them), or undefined
   * for all. Rows read with fewer columns are primed under `variant` in their loaders' keys, and only
   * resolvers of a selection with the same columns (`rowVariant`) read them there.
   */
  columns?: readonly string[];
  variant?: string;
}

/** Fresh SQL aliases for one statement, so nested subqueries never shadow the row they correlate with. */
export class SqlBuilder {
  private next = 0;
  alias(prefix: string): string {
    this.next += 1;
    return `${prefix}_${this.next}`;
  }
}

/** Joins SQL pieces with their parameters, in order. */
export function sql(strings: TemplateStringsArray, ...pieces: (Sql | string)[]): Sql {
  let text = strings[0];
  const params: unknown[] = [];
  pieces.forEach((piece, i) => {
    if (typeof piece === 'string') text += piece;
    else {
      text += piece.sql;
      params.push(...piece.params);
    }
    text += strings[i + 1];
  });
  return { sql: text, params };
}

/**
 * The plan for the objects under a field: which of their fields can be prefetched, with what
 * arguments, recursively. Undefined when prefetch is off or nothing below can be.
 */
export function planBelow(ctx: Context, info: GraphQLResolveInfo, typeName: string, connection: boolean): Plan | undefined {
  if (!enabled) return undefined;
  // A plan depends only on the selection at this position and the request's variables: kept per
  // position (as rowVariant is) and variables, so a list of 50 groups plans its members once.
  let byVariables = plans.get(info.fieldNodes);
  if (!byVariables) plans.set(info.fieldNodes, (byVariables = new Map()));
  const key = `${typeName}:${connection}:${JSON.stringify(info.variableValues)}`;
  if (!byVariables.has(key)) {
    // A client that sends the same document with ever new variables costs a re-plan, not memory.
    if (byVariables.size >= PLANS_PER_POSITION) byVariables.clear();
    byVariables.set(key, planFor(ctx, info, typeName, setsBelow(info, connection)));
  }
  return byVariables.get(key);
}
const plans = new WeakMap<readonly FieldNode[], Map<string, Plan | undefined>>();
const PLANS_PER_POSITION = 100;

/** The selection sets of the objects under a field: its own, or under `edges { node }` and `nodes` for a connection. */
function setsBelow(info: GraphQLResolveInfo, connection: boolean): SelectionSetNode[] {
  const sets: SelectionSetNode[] = [];
  for (const node of info.fieldNodes) if (node.selectionSet) sets.push(...(connection ? objectSets(info, node.selectionSet) : [node.selectionSet]));
  return sets;
}

/**
 * The loader variant a resolver reads its objects under: the `variant` of the plan a prefetch made
 * for the same selection (so it finds what the prefetch primed), undefined for whole rows. Depends
 * only on the field names selected, so it is kept per position in the document.
 */
export function rowVariant(ctx: Context, info: GraphQLResolveInfo, typeName: string, connection: boolean): string | undefined {
  if (!enabled) return undefined;
  // Kept per list of field nodes (one per position in a compiled document), not per node: the same
  // node in a fragment spread in two places may merge with different fields in each.
  let byType = variants.get(info.fieldNodes);
  if (!byType) variants.set(info.fieldNodes, (byType = new Map()));
  if (!byType.has(typeName)) {
    const type = info.schema.getType(typeName);
    const names = isObjectType(type) ? setsBelow(info, connection).flatMap((set) => fieldsOf(info, set, type).map((field) => field.name.value)) : [];
    byType.set(typeName, isObjectType(type) ? selectionColumns(ctx, typeName, names)?.join(',') : undefined);
  }
  return byType.get(typeName);
}
const variants = new WeakMap<readonly FieldNode[], Map<string, string | undefined>>();

/** GraphQL fields computed by a resolver (type-graphql's field resolvers), as `Type.field`. */
let computedFields: Set<string> | undefined;
function isComputed(typeName: string, fieldName: string): boolean {
  if (!computedFields) {
    const storage = getMetadataStorage();
    const names = new Map<unknown, string>(storage.objectTypes.map((type: { target: unknown; name: string }) => [type.target, type.name]));
    computedFields = new Set(
      storage.fieldResolvers.map((field: { getObjectType?: () => unknown; schemaName: string }) => `${names.get(field.getObjectType?.()) ?? '?'}.${field.schemaName}`),
    );
  }
  return computedFields.has(`${typeName}.${fieldName}`);
}

/**
 * The columns of `typeName`'s rows a selection of these field names needs: the id, the column of
 * each field that is one, the columns the type's read rule looks at (auth/policy.ts `reads`) and
 * those prefetched fields read (`parentColumns`: a relation's foreign key). Undefined (read every
 * column) when a field is computed by a resolver that is not a prefetched one (it may read any
 * column), or is not a column at all, or the type is no entity. A rule or prefetcher that does not
 * say what it reads gets every key column.
 */
function selectionColumns(ctx: Context, typeName: string, fieldNames: Iterable<string>): string[] | undefined {
  const meta = ctx.em.getMetadata().find(typeName);
  if (!meta?.class) return undefined;
  const properties = new Set<string>();
  const rule = ruleReads(typeName);
  let keys: string[] | undefined = rule && [...rule];
  for (const name of fieldNames) {
    if (name === '__typename' || name === 'id') continue;
    const prefetcher = prefetchers.get(`${typeName}.${name}`);
    if (prefetcher) {
      if (keys && prefetcher.parentColumns) keys.push(...prefetcher.parentColumns);
      else keys = undefined;
      continue;
    }
    if (isComputed(typeName, name)) return undefined;
    properties.add(name);
  }
  return columnsFor(ctx.em, meta.class as EntityClass<object>, properties, keys);
}

/** Selection sets of a connection's objects: under `edges { node }` and `nodes`. */
function objectSets(info: GraphQLResolveInfo, set: SelectionSetNode): SelectionSetNode[] {
  const found: SelectionSetNode[] = [];
  for (const field of fieldsOf(info, set, undefined)) {
    if (field.name.value === 'nodes' && field.selectionSet) found.push(field.selectionSet);
    if (field.name.value === 'edges' && field.selectionSet)
      for (const node of fieldsOf(info, field.selectionSet, undefined)) if (node.name.value === 'node' && node.selectionSet) found.push(node.selectionSet);
  }
  return found;
}

/** The fields of selection sets, through fragments whose type condition the object type meets. */
function fieldsOf(info: GraphQLResolveInfo, set: SelectionSetNode, type: GraphQLObjectType | undefined, seen = new Set<string>()): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else {
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? info.fragments[selection.name.value] : selection;
      if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && seen.has(selection.name.value))) continue;
      const condition = fragment.typeCondition?.name.value;
      if (condition && type && condition !== type.name) {
        const conditionType = info.schema.getType(condition);
        if (!isInterfaceType(conditionType) || !type.getInterfaces().some((i) => i.name === condition)) continue;
      }
      const next = selection.kind === Kind.FRAGMENT_SPREAD ? new Set([...seen, selection.name.value]) : seen;
      fields.push(...fieldsOf(info, fragment.selectionSet, type, next));
    }
  }
  return fields;
}

/**
 * Whether every selection of a connection field asks for its `totalCount` alone (a governor count per
 * body): its page is then read as the total only, no rows, no edges. Such a page is kept under its own
 * loader key (`childPages(..., 'count')`), so a selection that wants the rows never finds it.
 * Fragments are not looked into: a selection with one reads the rows.
 */
export function countOnlyNodes(nodes: readonly FieldNode[]): boolean {
  return nodes.every(
    (node) =>
      !!node.selectionSet &&
      node.selectionSet.selections.every(
        (selection) => selection.kind === Kind.FIELD && (selection.name.value === 'totalCount' || selection.name.value === '__typename'),
      ),
  );
}

/**
 * The names of the fields a connection's selection asks of its edges, other than `node`: what a page's
 * rows must hold besides the objects (a membership's role and dates). Kept per list of field nodes.
 */
export function edgeFieldNames(info: GraphQLResolveInfo, nodes: readonly FieldNode[]): readonly string[] {
  let names = edgeFields.get(nodes);
  if (!names) {
    const found = new Set<string>();
    for (const node of nodes)
      for (const field of node.selectionSet ? fieldsOf(info, node.selectionSet, undefined) : [])
        if (field.name.value === 'edges' && field.selectionSet)
          for (const edge of fieldsOf(info, field.selectionSet, undefined)) if (edge.name.value !== 'node') found.add(edge.name.value);
    edgeFields.set(nodes, (names = [...found]));
  }
  return names;
}
const edgeFields = new WeakMap<readonly FieldNode[], readonly string[]>();

/** countOnlyNodes for a resolver: the loader key variant its page is read under. */
export const pageVariant = (info: GraphQLResolveInfo): string | undefined => (countOnlyNodes(info.fieldNodes) ? 'count' : undefined);

function planFor(ctx: Context, info: GraphQLResolveInfo, typeName: string, sets: SelectionSetNode[]): Plan | undefined {
  const type = info.schema.getType(typeName);
  if (!isObjectType(type)) return undefined;
  // Fields with the same response key are one field (GraphQL merges them, with the same arguments).
  const byKey = new Map<string, FieldNode[]>();
  for (const set of sets)
    for (const field of fieldsOf(info, set, type)) {
      const key = field.alias?.value ?? field.name.value;
      byKey.set(key, [...(byKey.get(key) ?? []), field]);
    }
  const fields: PlannedField[] = [];
  for (const [key, nodes] of byKey) {
    const prefetcher = prefetchers.get(`${typeName}.${nodes[0].name.value}`);
    const definition = type.getFields()[nodes[0].name.value];
    if (!prefetcher || !definition) continue;
    let prepared: unknown;
    try {
      prepared = prefetcher.prepare(getArgumentValues(definition, nodes[0], info.variableValues), {
        countOnly: countOnlyNodes(nodes),
        edgeFields: prefetcher.connection ? edgeFieldNames(info, nodes) : [],
      });
    } catch {
      continue; // the resolver reports the bad argument
    }
    let child: Plan | undefined;
    if (prefetcher.childType) {
      const childSets: SelectionSetNode[] = [];
      for (const node of nodes) if (node.selectionSet) childSets.push(...(prefetcher.connection ? objectSets(info, node.selectionSet) : [node.selectionSet]));
      child = planFor(ctx, info, prefetcher.childType, childSets);
    }
    fields.push({ key, prefetcher, prepared, child });
  }
  const columns = selectionColumns(ctx, typeName, [...byKey.values()].map((nodes) => nodes[0].name.value));
  if (fields.length === 0 && !columns) return undefined;
  const variant = columns?.join(',');
  const signature = `${typeName}[${variant ?? '*'}]{${fields.map((f) => `${f.key}:${JSON.stringify(f.prepared)}${f.child ? f.child.signature : ''}`).join(',')}}`;
  return { fields, signature, columns, variant };
}

/**
 * The builder of a child plan's nested values, or undefined when nothing is planned below it (a plan
 * of columns alone): its objects are then written without nested values.
 */
export function nestedBuilder(ctx: Context, plan: Plan | undefined, b: SqlBuilder): NestedBuilder | undefined {
  return plan?.fields.length ? (alias) => nestedSql(ctx, plan, alias, b) : undefined;
}

/** The nested values of rows aliased `alias`: every planned field's value, as an SQL list. */
export async function nestedSql(ctx: Context, plan: Plan, alias: string, b: SqlBuilder): Promise<Sql> {
  const parts: Sql[] = [];
  for (const field of plan.fields) {
    parts.push(
      await field.prefetcher.sql(ctx, field.prepared, alias, b, nestedBuilder(ctx, field.child, b), field.child),
    );
  }
  return { sql: parts.map((p) => p.sql).join(', '), params: parts.flatMap((p) => p.params) };
}

/** Primes every planned field of one parent object from its decoded array, where the fields' values start at `offset`. */
export function primeNested(ctx: Context, plan: Plan, parent: Record<string, any>, values: any[], offset: number): Priming {
  // Called for every object primed (each governor, each member school): no array or closure per
  // call unless some priming has to wait.
  let waiting: Promise<void>[] | undefined;
  for (let i = 0; i < plan.fields.length; i++) {
    const field = plan.fields[i];
    const priming = field.prefetcher.prime(ctx, field.prepared, parent, values[offset + i], nestedPrimer(ctx, field.child), field.child, field);
    if (priming instanceof Promise) (waiting ??= []).push(priming);
  }
  if (waiting) return Promise.all(waiting).then(() => undefined);
}

/**
 * The root of a prefetch: objects by id (a `group(id)` or the page of `groups`) with everything
 * planned below them, in one statement; primes `byId(entity)` and every nested loader.
 */
export async function prefetchObjects<T extends object>(ctx: Context, entity: EntityClass<T>, table: string, ids: number[], plan: Plan): Promise<void> {
  if (ids.length === 0) return;
  const { o, object } = await rootSql(ctx, entity, plan);
  // A prepared statement (core/prepared.ts): the same text for every request of this shape, so
  // PostgreSQL does not plan the whole nested statement again each time.
  const rows = await preparedRows<{ id: string | number; o: ObjectJson }>(
    ctx.em,
    `select ${o}.id, ${object.sql} as o from "${table}" ${o} where ${o}.id = any(?::bigint[])`,
    [...object.params, `{${ids.join(',')}}`],
  );
  await Promise.all(rows.map((row) => primeById(ctx, entity, Number(row.id), row.o, nestedPrimer(ctx, plan), plan)));
  // An id with no row is primed as not found, as a load would answer it.
  const found = new Set(rows.map((row) => Number(row.id)));
  for (const id of ids) if (!found.has(id)) await primeById(ctx, entity, id, null, undefined, plan);
}

/** The alias of a prefetch's root rows and the SQL of each root object (its `columns` and everything planned below it). */
async function rootSql(ctx: Context, entity: EntityClass<object>, plan: Plan, columns = plan.columns): Promise<{ o: string; object: Sql }> {
  const b = new SqlBuilder();
  const o = b.alias('o');
  const nested = plan.fields.length ? await nestedSql(ctx, plan, o, b) : undefined;
  return { o, object: objectJsonSql(rowValuesSql(ctx.em, entity, o, columns), nested) };
}

/**
 * The root of a prefetch for a page of a top-level list (`groups`): the rows `where` selects (SQL on
 * the alias it is given), in `orderBy`, `size` of them and one more (which tells whether a next page
 * exists), with everything planned below the first `size`, in one statement rather than the page and
 * then its objects. Primes as prefetchObjects does and returns the page's objects, in order: each
 * with the plan's columns and the order's `keyColumns` (its cursor), the one past the page with its
 * key columns alone.
 */
export async function prefetchPage<T extends object>(
  ctx: Context,
  entity: EntityClass<T>,
  table: string,
  where: (alias: string) => Sql,
  orderBy: (alias: string) => string,
  keyColumns: readonly string[],
  size: number,
  plan: Plan,
): Promise<T[]> {
  // The plan's columns and the cursor's; the objects are primed under the plan's variant (more
  // columns than it names never hurt a reader).
  const columns = plan.columns && columnsFor(ctx.em, entity, [], [...plan.columns, ...keyColumns]);
  const read = columns === plan.columns ? plan : { ...plan, columns };
  const past = columnsFor(ctx.em, entity, [], keyColumns)!;
  const { o, object } = await rootSql(ctx, entity, plan, columns);
  const condition = where(o);
  const order = orderBy(o);
  // The row past the page only says that there is a next page: nothing below it is read (PostgreSQL
  // evaluates a case's branch only when it is taken, and one sort serves the window and the order).
  const rows = await preparedRows<{ o: ObjectJson }>(
    ctx.em,
    `select case when row_number() over (order by ${order}) <= ? then ${object.sql} else json_build_array(${rowValuesSql(ctx.em, entity, o, past)}) end as o
     from "${table}" ${o}${condition.sql ? ` where ${condition.sql}` : ''} order by ${order} limit ?`,
    [size, ...object.params, ...condition.params, size + 1],
  );
  const map = arrayRowMapper(ctx.em, entity, columns);
  const page = rows.map((row, i) => (i < size ? map(row.o) : arrayRowMapper(ctx.em, entity, past)(row.o)));
  await Promise.all(
    rows.slice(0, size).map((row, i) => primeById(ctx, entity, Number((page[i] as { id: unknown }).id), row.o, nestedPrimer(ctx, plan), read)),
  );
  return page;
}

/**
 * SQL for one object by key (an ObjectJson), for relations such as Governorship.person: `entity` and
 * `table` say what it is, `key` the SQL expression of its id.
 */
export async function objectSql(
  ctx: Context,
  entity: EntityClass<object>,
  table: string,
  key: string,
  b: SqlBuilder,
  nested: NestedBuilder | undefined,
  columns?: readonly string[],
): Promise<Sql> {
  const alias = b.alias('o');
  const object = objectJsonSql(rowValuesSql(ctx.em, entity, alias, columns), nested && (await nested(alias)));
  return sql`(select ${object} from "${table}" ${alias} where ${alias}.id = ${key})`;
}

/**
 * Decodes one object (an ObjectJson, or null) and primes `byId(entity)` with it as that loader would
 * return it: undefined when the viewer may not read it. Returns the object primed.
 */
export function primeById<T extends object>(
  ctx: Context,
  entity: EntityClass<T>,
  id: number | undefined,
  json: ObjectJson | null,
  nested: NestedPrimer | undefined,
  /** The plan of these objects: which columns the row holds, and the loader variant they go under. */
  plan?: Plan,
): T | undefined | Promise<T | undefined> {
  if (id === undefined) return undefined;
  const loader = byId(ctx, entity as EntityClass<T & { id: number }>, plan?.variant);
  if (!json) return void loader.prime(id, undefined);
  const row = arrayRowMapper(ctx.em, entity, plan?.columns)(json);
  const now = visibleRowNow(ctx.viewer, row);
  const width = nested ? rowWidth(ctx.em, entity, plan?.columns) : 0;
  if (now !== WAIT) return settleById(loader, id, now, nested, json, width);
  return visibleRows(ctx.viewer, [row]).then(([visible]) => settleById(loader, id, visible, nested, json, width));
}

/** The primer of a plan's nested fields, for primeById and decodePage. */
export function nestedPrimer(ctx: Context, plan: Plan | undefined): NestedPrimer | undefined {
  if (!plan?.fields.length) return undefined;
  // One per plan and request, not one per object primed (it was a twentieth of the garbage of the
  // executive head's query).
  return ctx.loaders.atPosition(plan, (): NestedPrimer => (object, values, offset) => primeNested(ctx, plan, object, values, offset));
}

/** Primes one object as visible or not found, then the fields below it. */
function settleById<T extends object>(
  loader: Loader<number, (T & { id: number }) | undefined>,
  id: number,
  visible: T | undefined,
  nested: NestedPrimer | undefined,
  json: ObjectJson,
  width: number,
): T | undefined | Promise<T | undefined> {
  loader.prime(id, visible as (T & { id: number }) | undefined);
  const priming = visible && nested ? nested(visible as Record<string, any>, json, width) : undefined;
  return priming ? priming.then(() => visible) : visible;
}

/**
 * SQL for a page of children per parent, as `childPages` reads it: `{total, rows}` (each row an
 * ObjectJson), the rows after `offset` in `orderBy` among those `where` keeps (which must include the
 * viewer's row rule, so hidden rows are neither counted nor numbered).
 */
export function pageSql(
  ctx: Context,
  entity: EntityClass<object>,
  table: string,
  parentColumn: string,
  parentKey: string,
  where: Sql,
  orderBy: string,
  offset: number,
  size: number,
  b: SqlBuilder,
  n: NestedBuilder | undefined,
  columns?: readonly string[],
): Promise<Sql> {
  const x = b.alias('x');
  const row = rowValuesSql(ctx.em, entity, x, columns);
  // The page in the list's order, as PostGraphile reads one: `limit` and `offset` over the ordered
  // rows, aggregated in the order the subquery yields them (an ordered aggregate would sort every
  // page again). Positions follow from the offset (decodePage). The row past the page says whether
  // there is a next one. The subquery keeps only the columns read (nested fields read the keys among
  // them): its rows are sorted, and narrow rows sort and read faster.
  const kept = columns ? columns.map((column) => `t."${column}"`).join(', ') : 't.*';
  const p = b.alias('p');
  // The total is counted only when the page cannot tell it: a page with fewer rows than were asked
  // for holds the rest of the list, so its total is the offset plus its rows (most of a trust's
  // bodies, staff lists and member lists fit in one page). PostgreSQL evaluates a CASE's branches
  // lazily, so the count's scan runs only for a page cut short, an empty page past the start, or one
  // read from an offset past the end.
  const whole = offset === 0 ? `${p}.n <= ${size}` : `${p}.n between 1 and ${size}`;
  return (n ? n(x) : Promise.resolve(undefined)).then(
    (nested) =>
      sql`(select json_build_object('total', case when ${whole} then ${String(offset)} + ${p}.n
          else (select count(*) from "${table}" t where t."${parentColumn}" = ${parentKey}${where}) end,
        'rows', coalesce(${p}.rows, '[]'::json)) from (select json_agg(${objectJsonSql(row, nested)}) as rows, count(*) as n from (
          select ${kept} from "${table}" t where t."${parentColumn}" = ${parentKey}${where}
          order by ${orderBy} limit ${String(size + 1)} offset ${String(offset)}
        ) ${x}) ${p})`,
  );
}

const nothing = (): void => undefined;

/**
 * A child page's columns without the one it hangs from (the parent's id, known without reading it),
 * or the columns as they are when all are read. Kept per column list, so mappers find it again.
 */
function withoutParent(columns: readonly string[] | undefined, parentColumn: string): readonly string[] | undefined {
  if (!columns?.includes(parentColumn)) return columns;
  let byParent = withoutParents.get(columns);
  if (!byParent) withoutParents.set(columns, (byParent = new Map()));
  let kept = byParent.get(parentColumn);
  if (!kept) byParent.set(parentColumn, (kept = columns.filter((column) => column !== parentColumn)));
  return kept;
}
const withoutParents = new WeakMap<readonly string[], Map<string, readonly string[]>>();

/** ` and (a) and (b)` for the conditions given, skipping undefined ones. */
export function andWhere(...conditions: (Sql | string | undefined)[]): Sql {
  const parts = conditions.filter((c): c is Sql | string => !!c).map((c) => (typeof c === 'string' ? { sql: c, params: [] } : c));
  return { sql: parts.map((p) => ` and (${p.sql})`).join(''), params: parts.flatMap((p) => p.params) };
}

/** Decodes a page from pageSql into what `childPages` returns for one parent, priming nested fields of its rows. */
export function decodePage<T extends object>(
  ctx: Context,
  entity: EntityClass<T>,
  json: { total: number; rows: ObjectJson[] },
  nested: NestedPrimer | undefined,
  columns: readonly string[] | undefined,
  /** The page's offset: its rows are at positions offset + 1, offset + 2, ... of the list. */
  offset: number,
  /** What each row gets that it was not read with (the parent's key), before the fields below it are primed. */
  fill?: (row: T) => void,
): ChildPage<T> | Promise<ChildPage<T>> {
  const map = arrayRowMapper(ctx.em, entity, columns);
  const page: ChildPage<T> = { rows: [], positions: [], total: Number(json.total) };
  for (const item of json.rows) {
    const row = map(item);
    fill?.(row);
    page.rows.push(row);
    page.positions.push(offset + page.positions.length + 1);
  }
  const width = nested ? rowWidth(ctx.em, entity, columns) : 0;
  const priming = nested ? joinPrimings(page.rows.map((row, i) => nested(row as Record<string, any>, json.rows[i], width))) : undefined;
  return priming ? priming.then(() => page) : page;
}

/**
 * The prefetcher of a paged child list read by `childPages` (School.staff, GoverningBody.governors,
 * School.alerts): the same list spec, page, order and row rule (`rowFilter`), as one JSON value per parent.
 */
export function pagePrefetcher<T extends object>(
  entity: EntityClass<T>,
  childType: string,
  listOf: (args: Record<string, any>) => ChildList,
): Prefetcher<{ spec: ChildList; page: Page<number>; countOnly: boolean }> {
  return {
    childType,
    connection: true,
    parentColumns: [],
    prepare: (args, { countOnly }) => {
      const spec = listOf(args);
      return { spec, page: readPage(spec.list, args as unknown as PageArgs, isPosition), countOnly };
    },
    sql: async (ctx, { spec, page, countOnly }, parent, b, nested, child) => {
      // The row rule on the parent's key where it reads the column the list hangs from (auth/policy.ts).
      const rule = await rowFilter(ctx.viewer, spec.table, { column: spec.parentColumn, key: `${parent}.id` });
      const where = andWhere(spec.where && { sql: spec.where, params: spec.params ?? [] }, rule);
      // Only the total: the bare count, not a page object around it (light asks one per body).
      if (countOnly) return sql`(select count(*) from "${spec.table}" t where t."${spec.parentColumn}" = ${parent}.id${where})`;
      const columns = withoutParent(child?.columns, spec.parentColumn);
      return pageSql(ctx, entity, spec.table, spec.parentColumn, `${parent}.id`, where, spec.orderBy, page.after ?? 0, page.size, b, nested, columns);
    },
    prime: (ctx, { spec, page, countOnly }, parent, json, nested, child, field) => {
      // The same for every parent of this field: worked out once per request.
      const { loader, columns, setParent } = ctx.loaders.atPosition(field, () => {
        const columns = withoutParent(child?.columns, spec.parentColumn);
        return {
          loader: childPages(ctx, entity, spec, page, undefined, countOnly ? 'count' : child?.variant),
          columns,
          // Every row's parent column is the parent's id: set, not read (one value fewer per row).
          setParent: columns !== child?.columns ? columnSetter(ctx.em, entity, spec.parentColumn) : undefined,
        };
      });
      if (countOnly) return void loader.prime(parent.id, { rows: [], positions: [], total: Number(json) });
      const fill = setParent && ((row: T) => setParent(row, parent.id));
      return whenReady(decodePage(ctx, entity, json, nested, columns, page.after ?? 0, fill), (result) => void loader.prime(parent.id, result));
    },
  };
}

/**
 * The prefetcher of a many-to-one relation read by `byId` (Governorship.person, Post.person,
 * Alert.rule): the row by the parent's foreign key `column`, through `visibleRows` as byId does.
 */
export function relationPrefetcher<T extends object>(
  entity: EntityClass<T>,
  table: string,
  column: string,
  idOf: (parent: Record<string, any>) => number | undefined,
  childType?: string,
): Prefetcher<null> {
  return {
    childType,
    parentColumns: [column],
    prepare: () => null,
    sql: (ctx, _prepared, parent, b, nested, child) => objectSql(ctx, entity, table, `${parent}.${column}`, b, nested, child?.columns),
    prime: (ctx, _prepared, parent, json, nested, child) => whenReady(primeById(ctx, entity, idOf(parent), json, nested, child), nothing),
  };
}
