import net from 'node:net';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { Client } from 'pg';
import { startEmbeddedPostgres, withDatabase } from '../src/database/embedded';
import { migrate, openOrm } from '../src/database/orm';

/**
 * One PostgreSQL for the whole run: DATABASE_URL's server when set, else an embedded one in
 * .data/test-postgres. A template database gets every migration once; each test file then
 * copies it (`create database ... template`), which takes milliseconds and keeps files isolated.
 */
const TEMPLATE = 'trellis_test_template';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject) {
  let serverUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const dataDir = path.resolve(__dirname, '../.data/test-postgres');
    const embedded = await startEmbeddedPostgres(dataDir, await freePort(), { durable: false });
    serverUrl = embedded.serverUrl;
    stop = embedded.stop;
  }

  const admin = new Client({ connectionString: serverUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  // Databases left by an interrupted run, then a fresh template.
  const { rows } = await admin.query<{ datname: string }>(`select datname from pg_database where datname like 'trellis_test_%'`);
  for (const { datname } of rows) await admin.query(`drop database if exists "${datname}" with (force)`);
  await admin.query(`create database "${TEMPLATE}"`);
  await admin.end();

  const orm = await openOrm({ clientUrl: withDatabase(serverUrl, TEMPLATE) });
  await migrate(orm);
  await orm.close(true);

  project.provide('serverUrl', serverUrl);
  project.provide('templateDatabase', TEMPLATE);

  return async () => {
    await stop?.();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    templateDatabase: string;
  }
}
