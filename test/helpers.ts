import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { inject } from 'vitest';
import { ensureDatabase } from '../src/database/database';
import { withDatabase } from '../src/database/embedded';
import { openOrm } from '../src/database/orm';
import { startServer, TrellisServer } from '../src/server/app';

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
}

/** A running Trellis on its own copy of the migrated template database, reached over real HTTP. */
export interface TestApp {
  url: string;
  orm: MikroORM;
  databaseUrl: string;
  server: TrellisServer;
  /** POSTs a GraphQL operation to the server. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Like gql, but fails the test on any GraphQL error and returns `data`. */
  data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Runs SQL on the test database (for checks and fixtures). */
  sql<T = Record<string, any>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Counts the SQL statements sent by the ORM while `work` runs. */
  countStatements(work: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

export async function createTestDatabase(): Promise<string> {
  const serverUrl = inject('serverUrl');
  const name = `trellis_test_${inject('runName')}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(serverUrl, name, inject('templateDatabase'));
  return name;
}

export async function dropTestDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: inject('serverUrl') });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
}

export async function startTestApp(): Promise<TestApp> {
  const name = await createTestDatabase();
  const databaseUrl = withDatabase(inject('serverUrl'), name);
  let counter: number | undefined;
  const orm = await openOrm({
    clientUrl: databaseUrl,
    onQuery: () => {
      if (counter !== undefined) counter += 1;
    },
  });
  const server = await startServer({ orm, port: 0 });
  const address = server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}/graphql`;
  const sqlClient = new Client({ connectionString: databaseUrl });
  sqlClient.on('error', () => undefined);
  await sqlClient.connect();

  const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  };

  return {
    url,
    orm,
    databaseUrl,
    server,
    gql,
    async data<T>(query: string, variables?: Record<string, unknown>) {
      const result = await gql<T>(query, variables);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
      return result.data as T;
    },
    async sql<T>(text: string, params?: unknown[]) {
      return (await sqlClient.query(text, params as unknown[])).rows as T[];
    },
    async countStatements(work) {
      counter = 0;
      try {
        await work();
        return counter;
      } finally {
        counter = undefined;
      }
    },
    async close() {
      await server.close();
      await orm.close(true);
      await sqlClient.end();
      await dropTestDatabase(name);
    },
  };
}

/** Another Trellis instance on an existing test database (two instances, one PostgreSQL). */
export interface TestInstance {
  url: string;
  wsUrl: string;
  orm: MikroORM;
  server: TrellisServer;
  close(): Promise<void>;
}

export async function startInstance(databaseUrl: string): Promise<TestInstance> {
  const orm = await openOrm({ clientUrl: databaseUrl });
  const server = await startServer({ orm, port: 0 });
  const address = server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    orm,
    server,
    async close() {
      await server.close();
      await orm.close(true);
    },
  };
}

/** The ws:// address of a test app's GraphQL endpoint (same port and path as HTTP). */
export function wsUrlOf(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}
