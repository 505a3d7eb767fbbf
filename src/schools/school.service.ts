// knex expands an array bound to `?` into `?, ?, ...`, so lists are matched with `in (?)` (never empty here).
import type { EntityManager } from '@mikro-orm/postgresql';
import { School } from './school.entity';
import { SchoolFilter } from './school.inputs';

/** SQL conditions (on alias `s`) for a school filter. Shared by the list and its count. */
export function schoolConditions(filter: SchoolFilter | undefined): { sql: string[]; params: unknown[] } {
  const sql: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, ...values: unknown[]) => {
    sql.push(condition);
    params.push(...values);
  };
  if (!filter) return { sql, params };
  if (filter.phase?.length) add('s.phase in (?)', filter.phase);
  if (filter.establishmentType?.length) add('s.establishment_type in (?)', filter.establishmentType);
  if (filter.status?.length) add('s.status in (?)', filter.status);
  if (filter.nation?.length) add('s.nation in (?)', filter.nation);
  if (filter.urbanRural?.length) add('s.urban_rural in (?)', filter.urbanRural);
  if (filter.localAuthorityCode != null) add('s.la_code = ?', filter.localAuthorityCode);
  if (filter.localAuthority != null) add('lower(s.la_name) = lower(?)', filter.localAuthority);
  if (filter.region != null) add('lower(s.region) = lower(?)', filter.region);
  if (filter.constituency != null) add('lower(s.constituency) = lower(?)', filter.constituency);
  if (filter.nameContains) add(`s.name ilike ?`, `%${escapeLike(filter.nameContains)}%`);
  if (filter.groupKind?.length || filter.withoutGroup) {
    const kinds = filter.groupKind?.length ? ' and m.group_kind in (?)' : '';
    const membership = `exists (select 1 from membership m where m.school_id = s.id and m.left_on is null${kinds})`;
    if (filter.withoutGroup) add(`not ${membership}`, ...(kinds ? [filter.groupKind] : []));
    else add(membership, filter.groupKind);
  }
  return { sql, params };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Schools matching a filter, in URN order, after a URN: keyset pagination stays fast on any page. */
export async function findSchools(
  em: EntityManager,
  filter: SchoolFilter | undefined,
  afterUrn: number | undefined,
  limit: number,
): Promise<School[]> {
  const { sql, params } = schoolConditions(filter);
  if (afterUrn !== undefined) {
    sql.push('s.urn > ?');
    params.push(afterUrn);
  }
  const where = sql.length ? `where ${sql.join(' and ')}` : '';
  const rows: Record<string, unknown>[] = await em
    .getConnection()
    .execute(`select s.* from school s ${where} order by s.urn limit ?`, [...params, limit]);
  return rows.map((row) => em.map(School, row));
}

export async function countSchools(em: EntityManager, filter: SchoolFilter | undefined): Promise<number> {
  const { sql, params } = schoolConditions(filter);
  const where = sql.length ? `where ${sql.join(' and ')}` : '';
  const [row] = await em.getConnection().execute(`select count(*) as count from school s ${where}`, params);
  return Number(row.count);
}
