import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ALL_SCOPES, ApiKeyIdentity } from './viewer';

/** Keys start with this, so they are recognisable in a header, a log or a leaked file. */
export const API_KEY_PREFIX = 'trellis_';

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export interface ApiKeyRecord {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export function checkScopes(scopes: string[]): void {
  const unknown = scopes.filter((scope) => !ALL_SCOPES.includes(scope));
  if (unknown.length) throw new Error(`unknown scope(s): ${unknown.join(', ')}. Known: ${ALL_SCOPES.join(', ')}.`);
  if (!scopes.length) throw new Error(`give at least one scope, from: ${ALL_SCOPES.join(', ')}.`);
}

/** Creates a key; the key itself is returned once and only its SHA-256 is stored. */
export async function createApiKey(em: EntityManager, name: string, scopes: string[]): Promise<{ key: string; record: ApiKeyRecord }> {
  checkScopes(scopes);
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const [row] = await em
    .getConnection()
    .execute(`insert into api_key (name, prefix, key_hash, scopes) values (?, ?, ?, ?::text[]) returning *`, [
      name,
      key.slice(0, API_KEY_PREFIX.length + 6),
      hashKey(key),
      `{${scopes.join(',')}}`,
    ]);
  return { key, record: toRecord(row) };
}

export async function listApiKeys(em: EntityManager): Promise<ApiKeyRecord[]> {
  const rows: Record<string, any>[] = await em.getConnection().execute(`select * from api_key order by id`);
  return rows.map(toRecord);
}

/** Revokes a key; returns false when there is no such key or it was already revoked. */
export async function revokeApiKey(em: EntityManager, id: number): Promise<boolean> {
  const rows = await em
    .getConnection()
    .execute(`update api_key set revoked_at = now() where id = ? and revoked_at is null returning id`, [id]);
  return rows.length > 0;
}

/** The app a presented key belongs to, if the key exists and is not revoked. */
export async function findApiKey(em: EntityManager, key: string): Promise<ApiKeyIdentity | undefined> {
  const [row] = await em.getConnection().execute(
    `with k as (select id, name, scopes from api_key where key_hash = ? and revoked_at is null),
       used as (update api_key set last_used_at = now() where id in (select id from k)
         and (last_used_at is null or last_used_at < now() - interval '1 minute'))
       select * from k`,
    [hashKey(key)],
  );
  return row ? { id: row.id, name: row.name, scopes: row.scopes } : undefined;
}

function toRecord(row: Record<string, any>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}
