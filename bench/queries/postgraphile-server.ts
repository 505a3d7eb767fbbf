/**
 * PostGraphile 5 (amber preset) over the benchmark database, for bench/queries/run.ts. Run on Node 22
 * (PostGraphile needs it) from the tools folder the bench installs on demand: argv[2] is that folder,
 * argv[3] the database URL. Reports its port, statement count and peak RSS over IPC (stats.ts).
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { countStatements, reportOverIpc } from './stats';

async function main(): Promise<void> {
  const [toolsDir, connectionString] = process.argv.slice(2);
  const tools = createRequire(path.join(toolsDir, 'package.json'));
  // Count what reaches PostgreSQL the same way as in the Trellis process: every pg Client.query call.
  countStatements(tools('pg'));
  const { postgraphile } = tools('postgraphile');
  const { PostGraphileAmberPreset } = tools('postgraphile/presets/amber');
  const { makePgService } = tools('postgraphile/adaptors/pg');
  const { grafserv } = tools('postgraphile/grafserv/node');
  const preset = {
    extends: [PostGraphileAmberPreset],
    // Without it PostGraphile offers filters and orders only on indexed columns (STACK.md).
    disablePlugins: ['PgIndexBehaviorsPlugin'],
    pgServices: [makePgService({ connectionString, schemas: ['public'] })],
    grafserv: { graphqlPath: '/graphql', watch: false },
    grafast: { explain: false },
  };
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = http.createServer();
  serv.addTo(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  reportOverIpc(typeof address === 'object' && address ? address.port : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
