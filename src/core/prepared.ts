import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs a read as a named prepared statement, with its values as parameters, on a connection of the
 * ORM's own pool.
 *
 * Why not `em.getConnection().execute`: MikroORM writes the values into the SQL text, so PostgreSQL
 * parses and plans every request's statement afresh. A prefetch statement (core/prefetch.ts) nests a
 * dozen subqueries, and planning it took about 14 ms against 28 ms of execution on the benchmark's
 * trust. Prepared by name, the text is the same for every request of the same shape, each pooled
 * connection parses it once, and PostgreSQL may keep a generic plan for it.
 *
 * `sql` uses `?` placeholders, as everywhere else in Trellis; values must be scalars (write lists as
 * a PostgreSQL array literal with `= any(?::int[])`, not `in (?)`).
 */
export async function preparedRows<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  for (const value of params)
    if (Array.isArray(value)) throw new Error('preparedRows takes scalar values: write a list as an array literal with = any(?::int[])');
  const { text, name } = statementOf(sql, params.length);
  const client = (em.getConnection().getKnex() as unknown as { client: KnexClient }).client;
  const connection = await client.acquireConnection();
  const started = performance.now();
  try {
    const result = await connection.query({ name, text, values: params });
    // Logged as MikroORM logs its own statements, so the query log and the tests' statement counts see it.
    em.config.getLogger().log('query', text, { query: text, params, took: Math.round(performance.now() - started) });
    return result.rows as T[];
  } finally {
    await client.releaseConnection(connection);
  }
}

/** A PostgreSQL array literal of text values (`{"a","b"}`), for `= any(?::text[])`: each quoted, quotes and backslashes escaped. */
export function textArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** Numbered text and name per distinct SQL: a prefetch statement is a few kilobytes, hashed once rather than per request. */
const statements = new Map<string, { text: string; name: string; values: number }>();
const STATEMENTS_KEPT = 1_000;

function statementOf(sql: string, values: number): { text: string; name: string } {
  let statement = statements.get(sql);
  if (!statement) {
    const text = numberPlaceholders(sql, values);
    statement = { text, name: `t_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`, values };
    // Shapes of requests are few; a client inventing new ones forever only costs this map a reset.
    if (statements.size >= STATEMENTS_KEPT) statements.clear();
    statements.set(sql, statement);
  } else if (statement.values !== values) throw new Error(`SQL has ${statement.values} placeholders for ${values} values`);
  return statement;
}

interface KnexClient {
  acquireConnection(): Promise<{ query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> }>;
  releaseConnection(connection: unknown): Promise<void>;
}

/** `?` to `$1`, `$2`, ... outside quoted strings and identifiers. */
function numberPlaceholders(sql: string, expected: number): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const char of sql) {
    if (quote) {
      if (char === quote) quote = undefined;
      out += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      out += char;
    } else if (char === '?') out += `$${++n}`;
    else out += char;
  }
  if (n !== expected) throw new Error(`SQL has ${n} placeholders for ${expected} values`);
  return out;
}
