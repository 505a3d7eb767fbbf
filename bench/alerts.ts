/**
 * Alert benchmarks (a script, not a test): `npm run bench:alerts`.
 *
 * 1. Latency from commit to client, p50 and p99, with 1,000 and 10,000 connected subscribers, side by
 *    side with a bare graphql-ws server pushing the same payloads to the same number of clients. Each
 *    server runs in its own process; this process is the load generator (all the WebSocket clients)
 *    and the writer. On a 2-core machine the clients share the CPU with the server under test, so the
 *    absolute figures include client-side queueing; the ratio is what compares.
 *    Trellis: t0 = the writing transaction's COMMIT returned (the measure was written and the rules
 *    evaluated inside it); t1 = the client's socket delivered the `next` message. Bare: t0 = just
 *    before POSTing the payload to the bare server.
 * 2. An England-sized data drop: 24,000 schools x 10 metrics written and evaluated in one transaction
 *    (the evidence bulk path, recordMeasures, which publishes measures.recorded to the rule evaluation).
 *
 * Uses DATABASE_URL's server when set (a scratch database is created and dropped), else an embedded one.
 * ROUNDS, SIZES (e.g. "1000,10000") and DROP_SCHOOLS tune it.
 */
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import WebSocket from 'ws';
import { publish } from '../src/core/domain-events';
import { ensureDatabase } from '../src/database/database';
import { startEmbeddedPostgres, withDatabase } from '../src/database/embedded';
import { migrate, openOrm } from '../src/database/orm';
import { evaluate } from '../src/alerts/evaluation';
import { TriggerRuleKind } from '../src/alerts/alert.enums';
import { recordMeasures } from '../src/evidence/measures.service';
import { signToken } from '../src/auth/tokens';

/** The last academic year that has ended, and the one before: inside the metric rules' evidence window (3 years). */
const lastEnded = new Date().getUTCMonth() >= 8 ? new Date().getUTCFullYear() : new Date().getUTCFullYear() - 1;
const academicYear = (end: number) => `${end - 1}/${String(end % 100).padStart(2, '0')}`;
const LAST_YEAR = academicYear(lastEnded);
const YEAR_BEFORE = academicYear(lastEnded - 1);
import { loadAuthConfig } from '../src/config';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const SIZES = process.env.SIZES === 'none' ? [] : (process.env.SIZES ?? '1000,10000').split(',').map(Number);
const DROP_SCHOOLS = Number(process.env.DROP_SCHOOLS ?? 24_000);
const SELECTION = `alertRaised { cursor kind alert { id severity status school { urn name } } }`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

function startChild(script: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, script), args, {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    children.push(child);
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }));
    child.once('error', reject);
  });
}

/** N raw graphql-ws clients (the protocol by hand, so the load generator stays light). */
let authorization: string | undefined;

async function connectClients(url: string, count: number, onEvent: (urn: number, at: number) => void): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  const batch = 250;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(
      Array.from(
        { length: Math.min(batch, count - i) },
        () =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(url, 'graphql-transport-ws');
            ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization } })));
            ws.on('message', (data) => {
              const at = performance.now();
              const message = JSON.parse(String(data));
              if (message.type === 'connection_ack') {
                ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { ${SELECTION} }` } }));
                setTimeout(resolve, 0);
              } else if (message.type === 'next' && message.payload.data) onEvent(message.payload.data.alertRaised.alert.school.urn, at);
              else if (message.type === 'next' || message.type === 'error') reject(new Error(JSON.stringify(message.payload)));
            });
            ws.on('error', reject);
            sockets.push(ws);
          }),
      ),
    );
  }
  return sockets;
}

async function closeClients(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : (ws.once('close', () => resolve()), ws.close()))),
    ),
  );
}

interface Run {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** Runs ROUNDS events through `fire` and measures, per client, the time from t0 to receipt. */
async function measure(
  url: string,
  count: number,
  fire: (round: number) => Promise<number>,
  urnOf: (round: number) => number,
): Promise<Run> {
  const latencies: number[] = [];
  let t0 = 0;
  let expected = -1;
  let received = 0;
  let done: (() => void) | undefined;
  const sockets = await connectClients(url, count, (urn, at) => {
    if (urn !== expected) return;
    latencies.push(at - t0);
    if (++received === count) done?.();
  });
  await new Promise((r) => setTimeout(r, 1_000)); // let every subscription register
  for (let round = -2; round < ROUNDS; round += 1) {
    received = 0;
    expected = urnOf(round + 2);
    const all = new Promise<void>((resolve) => (done = resolve));
    const mark = latencies.length;
    t0 = await fire(round + 2);
    await Promise.race([all, new Promise((r) => setTimeout(r, 20_000))]);
    if (received < count) throw new Error(`round ${round}: only ${received} of ${count} clients received the event`);
    if (round < 0) latencies.length = mark; // two warm-up rounds
    await new Promise((r) => setTimeout(r, 100));
  }
  await closeClients(sockets);
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], samples: sorted.length };
}

async function main() {
  let serverUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-'));
    const embedded = await startEmbeddedPostgres(path.join(dir, 'pg'), 54400 + Math.floor(Math.random() * 500), { durable: false });
    serverUrl = embedded.serverUrl;
    stopEmbedded = async () => {
      await embedded.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const dbName = `trellis_bench_alerts_${process.pid}`;
  await ensureDatabase(serverUrl, dbName);
  const databaseUrl = withDatabase(serverUrl, dbName);
  const orm = await openOrm({ clientUrl: databaseUrl });
  await migrate(orm);
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();

  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  const {
    rows: [{ version }],
  } = await sql.query<{ version: string }>('select version()');
  console.log(`database: ${version.split(',')[0]}`);

  // Subscribers call as an administrator (every alert is theirs to see), as a partner app's clients would with a token.
  await sql.query(`insert into person (id, full_name, created_at) values (1999999999, 'Bench Administrator', now());
    insert into role_grant (person_id, role) values (1999999999, 'admin')`);
  authorization = `Bearer ${await signToken(loadAuthConfig(), 1999999999)}`;

  // Schools the latency rounds raise alerts for: one per round per run (one open alert per rule and school).
  const perRun = ROUNDS + 2;
  await sql.query(
    `insert into school (urn, name, phase, establishment_type) select 500000 + n, 'Bench School ' || n, 'primary', 'community_school' from generate_series(0, $1::int) n`,
    [perRun * SIZES.length],
  );
  const { rows: schoolRows } = await sql.query<{ id: number; urn: number }>(`select id, urn from school where urn >= 500000 order by urn`);

  const trellis = await startChild('alerts-server.js', [databaseUrl]);
  const bare = await startChild('bare-server.js', []);
  const results: { size: number; trellis: Run; bare: Run }[] = [];
  try {
    for (const [index, size] of SIZES.entries()) {
      const offset = index * perRun;
      const trellisRun = await measure(
        `ws://127.0.0.1:${trellis.port}/graphql`,
        size,
        async (round) => {
          const school = schoolRows[offset + round];
          await orm.em.fork().transactional(async (em) => {
            await em.execute(
              `insert into outcome_measure (school_id, metric, academic_year, value, source) values (?, 'ks2_rwm_expected_pct', ?, 40, 'bench')`,
              [school.id, LAST_YEAR],
            );
            await publish(em as EntityManager, { type: 'measures.recorded', schoolIds: [school.id], metrics: ['ks2_rwm_expected_pct'] });
          });
          return performance.now();
        },
        (round) => schoolRows[offset + round].urn,
      );
      const bareRun = await measure(
        `ws://127.0.0.1:${bare.port}/graphql`,
        size,
        async (round) => {
          const school = schoolRows[offset + round];
          const payload = {
            cursor: 'WyJhbGVydHMiLDEyXQ',
            kind: 'RAISED',
            alert: {
              id: 'QWxlcnQ6MTI',
              severity: 'PEER_REVIEW',
              status: 'OPEN',
              school: { urn: school.urn, name: `Bench School ${school.urn - 500000}` },
            },
          };
          const t0 = performance.now();
          await fetch(`http://127.0.0.1:${bare.port}/publish`, { method: 'POST', body: JSON.stringify(payload) });
          return t0;
        },
        (round) => schoolRows[offset + round].urn,
      );
      results.push({ size, trellis: trellisRun, bare: bareRun });
      const f = (n: number) => n.toFixed(1).padStart(8);
      console.log(
        `${String(size).padStart(6)} subscribers | Trellis p50 ${f(trellisRun.p50)} ms p99 ${f(trellisRun.p99)} ms | bare graphql-ws p50 ${f(bareRun.p50)} ms p99 ${f(bareRun.p99)} ms | p99 ratio ${(trellisRun.p99 / bareRun.p99).toFixed(2)} | ${trellisRun.samples} samples each`,
      );
    }
  } finally {
    trellis.child.kill('SIGTERM');
    bare.child.kill('SIGTERM');
  }

  // England-sized data drop.
  console.log(`England data drop: ${DROP_SCHOOLS} schools x 10 metrics`);
  await sql.query(
    `insert into school (urn, name, phase, establishment_type, opened_on) select 100000 + n, 'England School ' || n, 'primary', 'community_school', '2000-01-01'
     from generate_series(1, $1::int) n`,
    [DROP_SCHOOLS],
  );
  // 2,500 trusts of 8 schools, 100 of them with their own floor overriding the default.
  await sql.query(
    `insert into school_group (name, kind, created_at, updated_at) select 'Trust ' || n, 'multi_academy_trust', now(), now() from generate_series(1, 2500) n`,
  );
  await sql.query(`insert into membership (school_id, group_id, group_kind, joined_on)
    select s.id, g.id, 'multi_academy_trust', '2018-09-01' from school s join school_group g on g.name = 'Trust ' || (1 + (s.urn - 100001) / 8)
    where s.urn between 100001 and 120000`);
  await sql.query(`insert into trigger_rule (kind, name, severity, parameters, group_id, overrides_rule_id, created_by, updated_by)
    select 'metric_below', 'Trust floor', 'watch', '{"metric":"ks2_rwm_expected_pct","threshold":70}', g.id, r.id, 'bench', 'bench'
    from school_group g, trigger_rule r where r.system_key = 'ks2_rwm_below_floor' and g.name in (select 'Trust ' || n from generate_series(1, 100) n)`);
  const { rows: england } = await sql.query<{ id: number; urn: number }>(
    `select id, urn from school where urn > 100000 and urn <= $1 order by urn`,
    [100000 + DROP_SCHOOLS],
  );
  const metrics = [
    'ks2_rwm_expected_pct',
    'ks2_rwm_higher_pct',
    'ks2_reading_expected_pct',
    'ks2_writing_expected_pct',
    'ks2_maths_expected_pct',
    'ks2_reading_progress',
    'ks2_writing_progress',
    'ks2_maths_progress',
    'attendance_pct',
    'persistent_absence_pct',
  ];
  const yearRows = (year: string, shift: number) =>
    england.flatMap((s) =>
      metrics.map((metric) => {
        const n = s.urn * 7919 + metric.length * 104729;
        const value = metric.endsWith('_progress')
          ? (n % 140) / 10 - 7 + shift / 5
          : metric === 'attendance_pct'
            ? 88 + (n % 110) / 10
            : 30 + (n % 700) / 10 + shift;
        return { schoolId: s.id, metric, academicYear: year, value: Math.round(value * 10) / 10 } as never;
      }),
    );
  // Last year's values first (so "fell by more than" has something to compare with), then the drop.
  await orm.em.fork().transactional((em) => recordMeasures(em as EntityManager, yearRows(YEAR_BEFORE, 8), 'bench'));
  const before = Number((await sql.query(`select count(*) as n from alert`)).rows[0].n);
  const rows = yearRows(LAST_YEAR, 0);
  const started = performance.now();
  await orm.em.fork().transactional((em) => recordMeasures(em as EntityManager, rows, 'bench'));
  const dropMs = performance.now() - started;
  const raised = Number((await sql.query(`select count(*) as n from alert`)).rows[0].n) - before;
  // Evaluation alone, again over the whole drop (the alerts exist, so it finds them all and inserts none).
  const evalStarted = performance.now();
  await orm.em.fork().transactional((em) =>
    evaluate(em as EntityManager, [TriggerRuleKind.METRIC_BELOW, TriggerRuleKind.METRIC_FALL], {
      schoolIds: england.map((s) => s.id),
      metrics,
    }),
  );
  const evalMs = performance.now() - evalStarted;
  console.log(
    `England data drop: ${rows.length} values for ${england.length} schools written and evaluated in one transaction in ${(dropMs / 1000).toFixed(1)} s, raising ${raised} alerts; evaluation alone ${(evalMs / 1000).toFixed(1)} s`,
  );

  await sql.end();
  await orm.close(true);
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
  await stopEmbedded?.();
  void results;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
