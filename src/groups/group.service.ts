import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../core/context';
import { Plan, prefetchPage } from '../core/prefetch';
import { textArray } from '../core/prepared';
import { mapRows } from '../core/rows';
import { Group } from './group.entity';
import { GroupKind } from './group.enums';
import { GroupFilter } from './group.inputs';

/**
 * SQL conditions (on alias `g`) for a group list; shared by the page, its count and its prefetch.
 * Lists are array literals (`= any(?::text[])`), so that a prepared statement can take them as one value.
 */
function groupConditions(kind: GroupKind[] | undefined, filter: GroupFilter | undefined, g = 'g') {
  const sql: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, ...values: unknown[]) => {
    sql.push(condition);
    params.push(...values);
  };
  if (kind?.length) add(`${g}.kind = any(?::text[])`, textArray(kind));
  if (filter?.status?.length) add(`${g}.status = any(?::text[])`, textArray(filter.status));
  if (filter?.formation?.length) add(`${g}.formation = any(?::text[])`, textArray(filter.formation));
  if (filter?.nameContains) add(`${g}.name ilike ?`, `%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (filter?.localAuthorityCode != null) {
    add(
      `exists (select 1 from membership m join school s on s.id = m.school_id where m.group_id = ${g}.id and m.left_on is null and s.la_code = ?)`,
      filter.localAuthorityCode,
    );
  }
  return { sql, params };
}

export type GroupKey = [string, number];

/** The conditions of a page of groups: the list's, and after the `after` key (keyset pagination, name then id). */
function pageConditions(kind: GroupKind[] | undefined, filter: GroupFilter | undefined, after: GroupKey | undefined, g = 'g') {
  const conditions = groupConditions(kind, filter, g);
  if (after) {
    conditions.sql.push(`(${g}.name, ${g}.id) > (?, ?::bigint)`);
    conditions.params.push(...after);
  }
  return conditions;
}

/**
 * The same page as findGroups, with everything planned below its groups (core/prefetch.ts), in one
 * statement.
 */
export function prefetchGroups(
  ctx: Context,
  kind: GroupKind[] | undefined,
  filter: GroupFilter | undefined,
  after: GroupKey | undefined,
  size: number,
  plan: Plan,
): Promise<Group[]> {
  const where = (g: string) => {
    const { sql, params } = pageConditions(kind, filter, after, g);
    return { sql: sql.join(' and '), params };
  };
  return prefetchPage(ctx, Group, 'school_group', where, (g) => `${g}.name, ${g}.id`, ['name', 'id'], size, plan);
}

/** Groups in name order (id breaks ties), after a (name, id) key: keyset pagination. */
export async function findGroups(
  em: EntityManager,
  kind: GroupKind[] | undefined,
  filter: GroupFilter | undefined,
  after: GroupKey | undefined,
  limit: number,
): Promise<Group[]> {
  const { sql, params } = pageConditions(kind, filter, after);
  const where = sql.length ? `where ${sql.join(' and ')}` : '';
  const rows: Record<string, unknown>[] = await em
    .getConnection()
    .execute(`select g.* from school_group g ${where} order by g.name, g.id limit ?`, [...params, limit]);
  // Plain rows (core/rows.ts), as the loaders read: a list for reading, never flushed.
  return mapRows(em, Group, rows);
}

export async function countGroups(em: EntityManager, kind: GroupKind[] | undefined, filter: GroupFilter | undefined): Promise<number> {
  const { sql, params } = groupConditions(kind, filter);
  const where = sql.length ? `where ${sql.join(' and ')}` : '';
  const [row] = await em.getConnection().execute(`select count(*) as count from school_group g ${where}`, params);
  return Number(row.count);
}
