import type { EntityClass, EntityProperty } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import { FieldNode, GraphQLResolveInfo, Kind, SelectionSetNode } from 'graphql';
import { rowFilter } from '../auth/policy';
import type { Context } from './context';
import { rowMapper } from './rows';

/**
 * One level of a query as one SQL statement selecting only the columns asked for, for resolvers to
 * adopt one at a time (the domain resolvers still select `t.*` through core/loaders.ts):
 *
 *   const columns = requestedColumns(ctx, info, Governorship, ['governing_body_id', 'person_id']);
 *   const rows = await levelLoader(ctx, { entity: Governorship, table: 'governorship',
 *     parentColumn: 'governing_body_id', columns, orderBy: 't.term_started_on, t.id' }).load(body.id);
 *
 * Rows come back as plain objects of the entity class (core/rows.ts) holding the selected columns
 * only, with the viewer's row rule applied in SQL (auth/policy.ts), as every loader does.
 */

/**
 * The columns of `entity` that the selection under this field asks for: scalar fields by their
 * property's column, many-to-one fields by their foreign key, through `edges { node }`, `nodes` and
 * fragments; plus the primary key and `always` (columns that field resolvers need, e.g. foreign keys
 * of relations resolved elsewhere). Fields that are not properties (resolved by a resolver) select nothing.
 */
export function requestedColumns<T extends object>(ctx: Context, info: GraphQLResolveInfo, entity: EntityClass<T>, always: string[] = []): string[] {
  const meta = ctx.em.getMetadata().get(entity.name);
  const byField = new Map<string, EntityProperty>(Object.values(meta.properties).map((prop) => [prop.name, prop as EntityProperty]));
  const columns = new Set<string>([...meta.primaryKeys.map((pk) => meta.properties[pk].fieldNames[0]), ...always]);
  const visit = (selectionSet: SelectionSetNode | undefined, objectLevel: boolean, seen: Set<string>) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, objectLevel, seen);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = info.fragments[selection.name.value];
        if (fragment && !seen.has(fragment.name.value)) visit(fragment.selectionSet, objectLevel, new Set([...seen, fragment.name.value]));
      } else if (!objectLevel) {
        // A connection: its rows are under edges { node } or nodes.
        if (selection.name.value === 'edges') visitEdges(selection, seen);
        else if (selection.name.value === 'nodes') visit(selection.selectionSet, true, seen);
      } else {
        const prop = byField.get(selection.name.value);
        if (prop?.fieldNames?.length && prop.persist !== false) columns.add(prop.fieldNames[0]);
      }
    }
  };
  const visitEdges = (edges: FieldNode, seen: Set<string>) => {
    for (const selection of edges.selectionSet?.selections ?? [])
      if (selection.kind === Kind.FIELD && selection.name.value === 'node') visit(selection.selectionSet, true, seen);
  };
  const returnsConnection = /Connection!?$/.test(String(info.returnType));
  for (const node of info.fieldNodes) visit(node.selectionSet, !returnsConnection, new Set());
  return [...columns].sort();
}

export interface Level<T> {
  entity: EntityClass<T>;
  table: string;
  /** The column holding the parent's id. */
  parentColumn: string;
  /** Columns to select (from requestedColumns); quoted as identifiers, so only column names. */
  columns: string[];
  /** Extra SQL condition on the table aliased `t`, with `?` placeholders. */
  where?: string;
  params?: unknown[];
  /** SQL order within a parent. */
  orderBy: string;
}

/** The rows of one level for every parent in the batch: one statement, the requested columns only. */
export function levelLoader<T extends object>(ctx: Context, level: Level<T>): DataLoader<number, T[]> {
  const columns = [...new Set([...level.columns, level.parentColumn])];
  const key = `level:${level.table}:${level.parentColumn}:${columns.join(',')}:${level.where ?? ''}:${JSON.stringify(level.params ?? [])}:${level.orderBy}`;
  return ctx.loaders.get(
    key,
    () =>
      new DataLoader<number, T[]>(async (parentIds) => {
        const visible = await rowFilter(ctx.viewer, level.table);
        const where = [level.where, visible?.sql]
          .filter(Boolean)
          .map((condition) => ` and (${condition})`)
          .join('');
        const rows: Record<string, unknown>[] = await ctx.em
          .getConnection()
          .execute(
            `select ${columns.map((c) => `t."${c.replace(/"/g, '')}"`).join(', ')} from "${level.table}" t where t."${level.parentColumn}" = any(?::bigint[])${where} order by t."${level.parentColumn}", ${level.orderBy}`,
            [`{${parentIds.join(',')}}`, ...(level.params ?? []), ...(visible?.params ?? [])],
          );
        const map = rowMapper(ctx.em, level.entity);
        const lists = new Map<number, T[]>(parentIds.map((id) => [id, []]));
        for (const row of rows) lists.get(Number(row[level.parentColumn]))?.push(map(row));
        return parentIds.map((id) => lists.get(id) ?? []);
      }),
  );
}
