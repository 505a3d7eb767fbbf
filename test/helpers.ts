import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { inject } from 'vitest';
import { ensureDatabase } from '../src/database/database';
import { withDatabase } from '../src/database/embedded';
import { openOrm } from '../src/database/orm';
import { startServer, TrellisServer } from '../src/server/app';
import { signToken } from '../src/auth/tokens';
import type { AuthConfig } from '../src/config';
import type { TrustedDocumentsMode } from '../src/server/trusted-documents';

/** How test servers authenticate: a fixed secret, anonymous calls allowed (each test says who it is). */
export const TEST_AUTH: AuthConfig = {
  jwtSecret: 'trellis-test-secret',
  jwtAlgorithm: 'HS256',
  jwtIssuer: 'trellis',
  jwtAudience: 'trellis',
  requireAuth: false,
  maxSubscriptionsPerConnection: 20,
};

/** The administrator every test database gets (an id far from the ones tests insert). */
export const TEST_ADMIN_ID = 2_000_000_000;

/** How the audit log, alert status changes and rule history name the test administrator. */
export const TEST_ADMIN_LABEL = `person:${TEST_ADMIN_ID}`;

/** A bearer token for a person, signed as the test servers expect. */
export function tokenFor(personId: number, options: { expiresIn?: string | number; secret?: string } = {}): Promise<string> {
  return signToken(TEST_AUTH, personId, options);
}

/** The Authorization value of the test administrator (HTTP header and graphql-ws connection_init payload). */
export async function adminAuthorization(): Promise<string> {
  return `Bearer ${await tokenFor(TEST_ADMIN_ID)}`;
}

/** Who a test app calls as: the seeded admin (the default), nobody, or a given Authorization value. */
export type TestViewer = 'admin' | 'anonymous' | { authorization: string };

async function seedAdmin(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  await client.query(
    `insert into person (id, full_name, created_at) values ($1, 'Test Administrator', now()) on conflict (id) do nothing;
     insert into role_grant (person_id, role) select $1, 'admin' where not exists (select 1 from role_grant where person_id = $1 and role = 'admin')`.replace(
      /\$1/g,
      String(TEST_ADMIN_ID),
    ),
  );
  await client.end();
}

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
  /** The Authorization value sent by gql and data (undefined when anonymous). */
  authorization?: string;
  /** POSTs a GraphQL operation as someone else: an Authorization value, or undefined for anonymous. */
  gqlAs<T = Record<string, any>>(
    authorization: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  /** POSTs a GraphQL operation to the server. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Like gql, but fails the test on any GraphQL error and returns `data`. */
  data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Runs SQL on the test database (for checks and fixtures). */
  sql<T = Record<string, any>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Counts the SQL statements sent by the ORM while `work` runs. */
  countStatements(work: () => Promise<unknown>): Promise<number>;
  /** The SQL text of every statement sent while `work` runs. */
  statements(work: () => Promise<unknown>): Promise<string[]>;
  close(): Promise<void>;
}

export async function createTestDatabase(): Promise<string> {
  const serverUrl = inject('serverUrl');
  const name = `trellis_test_${inject('runName')}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(serverUrl, name, inject('templateDatabase'));
  await seedAdmin(withDatabase(serverUrl, name));
  return name;
}

export async function dropTestDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: inject('serverUrl') });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
}

export async function startTestApp(
  options: { viewer?: TestViewer; auth?: Partial<AuthConfig>; production?: boolean; trustedDocuments?: TrustedDocumentsMode } = {},
): Promise<TestApp> {
  const name = await createTestDatabase();
  const databaseUrl = withDatabase(inject('serverUrl'), name);
  const viewer = options.viewer ?? 'admin';
  const authorization = viewer === 'admin' ? await adminAuthorization() : viewer === 'anonymous' ? undefined : viewer.authorization;
  let counter: number | undefined;
  let seen: string[] | undefined;
  const orm = await openOrm({
    clientUrl: databaseUrl,
    onQuery: (sql) => {
      if (counter !== undefined) counter += 1;
      seen?.push(sql);
    },
  });
  const server = await startServer({
    orm,
    port: 0,
    auth: { ...TEST_AUTH, ...options.auth },
    production: options.production,
    trustedDocuments: options.trustedDocuments ?? 'off',
    // Tests turn the day themselves (refreshStaleBands, the sweep): no band recompute may land between a test's checksums.
    bandRefreshIntervalMs: 0,
  });
  const address = server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}/graphql`;
  const sqlClient = new Client({ connectionString: databaseUrl });
  sqlClient.on('error', () => undefined);
  await sqlClient.connect();

  const gqlAs = async <T>(as: string | undefined, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(as ? { authorization: as } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  };
  const gql = <T>(query: string, variables?: Record<string, unknown>) => gqlAs<T>(authorization, query, variables);

  return {
    url,
    orm,
    databaseUrl,
    server,
    authorization,
    gqlAs,
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
    async statements(work) {
      seen = [];
      try {
        await work();
        return seen;
      } finally {
        seen = undefined;
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
  const server = await startServer({ orm, port: 0, auth: TEST_AUTH, bandRefreshIntervalMs: 0 });
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
