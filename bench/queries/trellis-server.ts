/**
 * Trellis as `npm start` serves it (the same startServer, the same ORM settings), over the benchmark
 * database, for bench/queries/run.ts: argv[2] is the database URL. The periodic sweep is off so that
 * nothing but the benchmark's requests reaches PostgreSQL while statements are counted.
 */
import 'reflect-metadata';
import pg from 'pg';
import { openOrm } from '../../src/database/orm';
import { startServer } from '../../src/server/app';
import { countStatements, reportOverIpc } from './stats';

async function main(): Promise<void> {
  countStatements(pg as never);
  const orm = await openOrm({ clientUrl: process.argv[2] });
  const server = await startServer({ orm, port: 0, host: '127.0.0.1', sweepIntervalMs: 0 });
  const address = server.httpServer.address();
  reportOverIpc(typeof address === 'object' && address ? address.port : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
