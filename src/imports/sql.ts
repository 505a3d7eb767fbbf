import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CONSTRAINT_ERRORS } from '../core/constraints';

/** What to call a source in a report: the file path as given, or the stream's `path` if it has one. */
export function sourceLabel(source: string | Readable): string {
  if (typeof source === 'string') return source;
  const named = (source as Readable & { path?: unknown }).path;
  return typeof named === 'string' ? named : 'stream';
}

/** A database refusal in words, naming the constraint (and what it means, where Trellis knows). */
export function databaseRefusal(error: unknown): string {
  const cause = error as { constraint?: string; message?: string; detail?: string };
  const known = cause.constraint ? CONSTRAINT_ERRORS[cause.constraint] : undefined;
  if (cause.constraint) return `the database refused the row (${cause.constraint}): ${known?.message ?? cause.detail ?? cause.message}`;
  return `the database refused the row: ${cause.message?.split('\n')[0] ?? String(error)}`;
}

/** The ids of the schools held with these URNs, by URN: one statement however many. */
export async function schoolIdsByUrn(em: EntityManager, urns: number[]): Promise<Map<number, number>> {
  if (!urns.length) return new Map();
  const found: { id: number; urn: number }[] = await em.execute(
    `select s.id, s.urn from school s join json_array_elements_text(?::json) u(urn) on s.urn = u.urn::int`,
    [JSON.stringify([...new Set(urns)])],
  );
  return new Map(found.map((row) => [row.urn, row.id]));
}
