/** A Trellis instance in its own process for bench/alerts.ts: `node dist/bench/alerts-server.js <databaseUrl>`. */
import 'reflect-metadata';
import { openOrm } from '../src/database/orm';
import { startServer } from '../src/server/app';

async function main() {
  const orm = await openOrm({ clientUrl: process.argv[2] });
  const server = await startServer({ orm, port: 0, sweepIntervalMs: 0 });
  const address = server.httpServer.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  process.on('SIGTERM', () => process.exit(0));
}

void main();
