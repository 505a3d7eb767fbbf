import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
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
// Named per run, so two runs on one server (two developers, or CI beside a session) never meet.
const RUN = `${process.pid}_${Date.now().toString(36)}`;
const TEMPLATE = `trellis_test_${RUN}_template`;

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
  // Tests that run the command line as a person would (node dist/src/cli.js: signals, ports, exit
  // codes) need the compiled output; build it once per run (about a second).
  const root = path.resolve(__dirname, '..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  let serverUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    // A throw-away server per run (set-up takes about a second), so concurrent runs never share a data folder.
    const dataDir = path.resolve(__dirname, `../.data/test-postgres/${RUN}`);
    const embedded = await startEmbeddedPostgres(dataDir, await freePort(), { durable: false });
    serverUrl = embedded.serverUrl;
    stop = async () => {
      await embedded.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }

  const admin = new Client({ connectionString: serverUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`create database "${TEMPLATE}"`);
  await admin.end();

  const orm = await openOrm({ clientUrl: withDatabase(serverUrl, TEMPLATE) });
  await migrate(orm);
  await orm.close(true);

  project.provide('serverUrl', serverUrl);
  project.provide('templateDatabase', TEMPLATE);
  project.provide('runName', RUN);

  return async () => {
    const cleanup = new Client({ connectionString: serverUrl });
    cleanup.on('error', () => undefined);
    await cleanup.connect();
    await cleanup.query(`drop database if exists "${TEMPLATE}" with (force)`);
    await cleanup.end();
    await stop?.();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    templateDatabase: string;
    runName: string;
  }
}
