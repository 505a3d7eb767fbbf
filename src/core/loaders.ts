import type { EntityClass, EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { rowFilter, visibleRows } from '../auth/policy';
import type { Context } from './context';
import { encodeCursor, Page } from './pagination';
import { mapRows, rowMapper } from './rows';

interface WithId {
  id: number;
}

/** `then(value)` at once for a value, after it for a promise: a resolver stays synchronous when it can. */
export function whenReady<T, R>(value: T | Promise<T>, then: (value: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}

/**
 * A DataLoader that hands back at once what a prefetch primed (`loadNow`): the value itself rather
 * than a promise of it. A large read primes thousands of rows, and a resolver that awaits each one
 * costs a promise, a microtask and the executor's wait for every field below; returning the value
 * lets the executor carry on in the same turn. Keys never primed load as with any DataLoader.
 */
export class Loader<K, V> extends DataLoader<K, V> {
  private readonly primed = new Map<K, V>();

  prime(key: K, value: V | Promise<V> | Error): this {
    if (value instanceof Error || value instanceof Promise) return super.prime(key, value);
    // Kept here only: DataLoader would wrap each value in a promise that nobody may ask for. The first
    // value primed is kept, as DataLoader keeps it; a row loaded and then primed is the same row read
    // in the same request.
    if (!this.primed.has(key)) this.primed.set(key, value);
    return this;
  }

  load(key: K): Promise<V> {
    const value = this.primed.get(key);
    return value !== undefined || this.primed.has(key) ? Promise.resolve(value as V) : super.load(key);
  }

  clear(key: K): this {
    this.primed.delete(key);
    return super.clear(key);
  }

  clearAll(): this {
    this.primed.clear();
    return super.clearAll();
  }

  /** The primed value at once, or the load's promise. */
  loadNow(key: K): V | Promise<V> {
    const value = this.primed.get(key);
    return value !== undefined || this.primed.has(key) ? (value as V) : super.load(key);
  }
}

/** One `select ... where id = any(...)` for every entity of a type asked for in a request. */
export function byId<T extends WithId>(ctx: Context, entity: EntityClass<T>, variant?: string): Loader<number, T | undefined> {
  // A variant (core/prefetch.ts `Plan.variant`) holds rows a prefetch read with fewer columns, for the
  // selection that asked for just those. What it was not primed with it asks of the whole-row loader,
  // which may hold it already (whole rows serve any selection) or reads it whole.
  if (variant)
    return ctx.loaders.getKeyed(
      entity,
      variant,
      () => new Loader<number, T | undefined>((ids) => byId(ctx, entity).loadMany(ids) as Promise<(T | undefined)[]>),
    );
  return ctx.loaders.getKeyed(
    entity,
    '',
    () =>
      new Loader<number, T | undefined>(async (ids) => {
        // Plain rows (core/rows.ts), not managed entities: reads never flush, and hydration was most of their CPU.
        const meta = ctx.em.getMetadata().get(entity.name);
        const selected: Record<string, unknown>[] = await ctx.em
          .getConnection()
          .execute(`select * from "${meta.tableName}" where "${meta.properties[meta.primaryKeys[0]].fieldNames[0]}" = any(?::bigint[])`, [
            `{${ids.join(',')}}`,
          ]);
        // Rows the viewer may not read are left out, as if they did not exist (auth/policy.ts).
        const rows = await visibleRows(ctx.viewer, mapRows(ctx.em, entity, selected));
        const found = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => found.get(id));
      }),
  );
}

/**
 * More columns for a childPages statement, computed per child row (aliased by `columns`' argument),
 * and what to do with the rows before they are mapped: how a list prefetches what is asked below it
 * (core/prefetch.ts). `key` tells statements with different columns apart.
 */
export interface ExtraColumns {
  key: string;
  columns(alias: string): Promise<{ sql: string; params: unknown[] }>;
  after(rows: Record<string, unknown>[]): Promise<void>;
}

/**
 * Hands `byId` rows another statement already read (`select *` of the entity's table, as pg returns
 * them), so that resolving those objects costs no second round trip. The same mapping and the same
 * reading rule as a load: a row the viewer may not read is primed as not found.
 */
export async function primeById<T extends WithId>(
  ctx: Context,
  entity: EntityClass<T>,
  selected: Record<string, unknown>[],
): Promise<void> {
  const loader = byId(ctx, entity);
  const mapped = mapRows(ctx.em, entity, selected);
  const visible = new Set(await visibleRows(ctx.viewer, mapped));
  for (const row of mapped) loader.prime(row.id, visible.has(row) ? row : undefined);
}

/** How to page the children of many parents in one statement (a window per parent). */
export interface ChildList {
  /** Name of the list, carried in its cursors so a cursor of one list is refused by another. */
  list: string;
  table: string;
  parentColumn: string;
  /** Extra SQL condition on the child table aliased `t`, with `?` placeholders. */
  where?: string;
  params?: unknown[];
  /** SQL order of children within a parent, e.g. `t.joined_on, t.id`. */
  orderBy: string;
}

export interface ChildPage<T> {
  rows: T[];
  /** Positions (1-based) of the rows within the parent's list: the cursors of nested lists. */
  positions: number[];
  total: number;
}

/**
 * Pages the children of every parent in a batch with one statement: row_number() over a window per
 * parent gives each child its position, and count(*) over the same window the list's total.
 * Nested cursors are positions, which is what makes one statement serve every parent.
 */
export function childPages<T extends object>(
  ctx: Context,
  entity: EntityClass<T>,
  spec: ChildList,
  page: Page<number>,
  extra?: ExtraColumns,
  /** Tells apart pages read for a different purpose (`'count'`: only the total is asked, see core/prefetch.ts `countOnly`). */
  variant?: string,
): Loader<number, ChildPage<T>> {
  const key = `${spec.list}:${JSON.stringify(spec.params ?? [])}:${page.size}:${page.after ?? 0}${extra ? `:${extra.key}` : ''}${variant ? `|${variant}` : ''}`;
  return ctx.loaders.get(
    key,
    () =>
      new Loader<number, ChildPage<T>>(async (parentIds) => {
        const offset = page.after ?? 0;
        // Only rows the viewer may read are numbered and counted, so hidden ones never show in edges, cursors or totals.
        const visible = await rowFilter(ctx.viewer, spec.table);
        const where = [spec.where, visible?.sql]
          .filter(Boolean)
          .map((condition) => ` and (${condition})`)
          .join('');
        const whereParams = [...(spec.params ?? []), ...(visible?.params ?? [])];
        const more = extra ? await extra.columns('paged') : undefined;
        const sql = `select paged.*${more ? `, ${more.sql}` : ''} from (
          select t.*, row_number() over w as "_position", count(*) over (partition by t."${spec.parentColumn}") as "_total"
          from "${spec.table}" t
          where t."${spec.parentColumn}" in (?)${where}
          window w as (partition by t."${spec.parentColumn}" order by ${spec.orderBy})
        ) paged where "_position" > ? and "_position" <= ?`;
        const rows: Record<string, unknown>[] = await ctx.em
          .getConnection()
          .execute(sql, [...(more?.params ?? []), [...parentIds], ...whereParams, offset, offset + page.size + 1]);
        if (extra) await extra.after(rows);
        const pages = new Map<number, ChildPage<T>>();
        const map = rowMapper(ctx.em, entity);
        for (const row of rows) {
          const parentId = row[spec.parentColumn] as number;
          let entry = pages.get(parentId);
          if (!entry) pages.set(parentId, (entry = { rows: [], positions: [], total: Number(row._total) }));
          entry.positions.push(Number(row._position));
          entry.rows.push(map(row));
        }
        // A parent past its last child still needs its total: count those in a second statement only when it happens.
        const missing = parentIds.filter((id) => !pages.has(id));
        if (missing.length > 0 && offset > 0) {
          const counts: { parent: number; total: string }[] = await ctx.em
            .getConnection()
            .execute(
              `select t."${spec.parentColumn}" as parent, count(*) as total from "${spec.table}" t where t."${spec.parentColumn}" in (?)${where} group by 1`,
              [missing, ...whereParams],
            );
          for (const count of counts) pages.set(count.parent, { rows: [], positions: [], total: Number(count.total) });
        }
        return parentIds.map((id) => pages.get(id) ?? { rows: [], positions: [], total: 0 });
      }),
  );
}

/** Turns a child page into connection fields; `toEdge` adds whatever the edge carries besides its node. */
export function childConnection<T extends object, TEdge extends { cursor: string }>(
  spec: ChildList,
  page: Page<number>,
  result: ChildPage<T>,
  toEdge: (row: T, cursor: string) => TEdge | Promise<TEdge>,
) {
  const visible = result.rows.slice(0, page.size);
  const made = visible.map((row, i) => toEdge(row, encodeCursor(spec.list, result.positions[i])));
  // Most edges are built at once, and so is the connection: a promise only when some edge has to wait.
  return made.some((edge) => edge instanceof Promise)
    ? Promise.all(made).then((edges) => connectionOfEdges(page, result, edges))
    : connectionOfEdges(page, result, made as TEdge[]);
}

function connectionOfEdges<TEdge extends { cursor: string }>(page: Page<number>, result: ChildPage<unknown>, edges: TEdge[]) {
  return {
    edges,
    pageInfo: {
      hasNextPage: result.rows.length > page.size,
      hasPreviousPage: (page.after ?? 0) > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: result.total,
  };
}

export type { EntityManager };

/**
 * A short list per parent (a school's governing bodies, a person's posts) loaded for every parent
 * in a batch at once. `fetch` returns [parentId, row] pairs; order within a parent is kept.
 */
export function listsByParent<T>(
  ctx: Context,
  key: string,
  fetch: (parentIds: number[]) => Promise<[number, T][]>,
): Loader<number, T[]> {
  return ctx.loaders.get(
    key,
    () =>
      new Loader<number, T[]>(async (parentIds) => {
        const lists = new Map<number, T[]>(parentIds.map((id) => [id, []]));
        const pairs = await fetch([...parentIds]);
        // Rows the viewer may not read are dropped here, once for every list (auth/policy.ts).
        const visible = new Set(
          await visibleRows(
            ctx.viewer,
            pairs.map(([, row]) => row),
          ),
        );
        for (const [parentId, row] of pairs) if (visible.has(row)) lists.get(parentId)?.push(row);
        return parentIds.map((id) => lists.get(id) ?? []);
      }),
  );
}

/** Rows of raw SQL with a `_parent` column, mapped to plain entity objects (core/rows.ts): the usual shape of a listsByParent fetch. */
export async function selectByParent<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  sql: string,
  params: unknown[],
): Promise<[number, T][]> {
  const rows: Record<string, unknown>[] = await em.getConnection().execute(sql, params);
  const map = rowMapper(em, entity);
  return rows.map((row) => [Number(row._parent), map(row)]);
}
