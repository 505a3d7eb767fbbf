import { Client as PgClient } from 'pg';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ALERT_EVENT_FIELDS, collect, connected, insertSchools, recordMeasure, sleep, wsClient } from './alert-fixtures';
import net from 'node:net';
import { ALERT_CURSOR_LIST } from '../src/alerts/alert-event';
import { encodeCursor } from '../src/core/pagination';
import { withDatabase } from '../src/database/embedded';
import { openOrm } from '../src/database/orm';
import { describeFailure } from '../src/command-line';
import { startServer } from '../src/server/app';
import { PortInUseError } from '../src/server/shutdown';
import { createTestDatabase, dropTestDatabase, startTestApp, tokenFor, TEST_ADMIN_ID, TEST_AUTH, TestApp, wsUrlOf } from './helpers';
import { freePort, processesMatching, runCli, TrellisProcess } from './processes';

const RAISED = `subscription Inbox($since: String) { alertRaised(since: $since) { ${ALERT_EVENT_FIELDS} } }`;

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

describe('an operator running trellis start', () => {
  let database: string;
  let databaseUrl: string;
  let trellis: TrellisProcess;
  let sql: PgClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    databaseUrl = withDatabase(inject('serverUrl'), database);
    sql = new PgClient({ connectionString: databaseUrl });
    sql.on('error', () => undefined);
    await sql.connect();
    // A school, so the demo does not load (it would take seconds and is not what these tests are about).
    await sql.query(
      `insert into school (urn, name, phase, establishment_type) values (990001, 'Probe School', 'primary', 'community_school')`,
    );
    trellis = await (await TrellisProcess.start({ DATABASE_URL: databaseUrl })).ready();
  });

  afterAll(async () => {
    await trellis?.stop();
    await sql?.end();
    if (database) await dropTestDatabase(database);
  });

  it('writes one JSON line per operation with its request id, name, type, duration, status and viewer kind', async () => {
    const token = await tokenFor(TEST_ADMIN_ID);
    const ok = await post(
      trellis.url,
      { query: 'query SchoolCount { schools(first: 1) { totalCount } }' },
      { authorization: `Bearer ${token}`, 'x-request-id': 'probe-1' },
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe('probe-1');
    const line = await trellis.logLine((l) => l.requestId === 'probe-1');
    expect(line).toMatchObject({
      msg: 'graphql operation',
      operation: 'SchoolCount',
      type: 'query',
      status: 'ok',
      httpStatus: 200,
      viewer: 'person',
    });
    expect(line.durationMs).toBeGreaterThan(0);

    const anonymous = await post(trellis.url, { query: '{ schools(first: 1) { totalCount } }' });
    const generated = anonymous.headers.get('x-request-id')!;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(await trellis.logLine((l) => l.requestId === generated)).toMatchObject({
      operation: '(anonymous)',
      viewer: 'anonymous',
      status: 'ok',
    });

    const invalid = await post(trellis.url, { query: 'query Broken { schools(first: 1) { noSuchField } }' }, { 'x-request-id': 'probe-2' });
    expect(invalid.status).toBe(400);
    expect(await trellis.logLine((l) => l.requestId === 'probe-2')).toMatchObject({
      operation: 'Broken',
      status: 'error',
      errors: ['GRAPHQL_VALIDATION_FAILED'],
    });

    const refused = await post(
      trellis.url,
      { query: '{ schools(first: 1) { totalCount } }' },
      { authorization: 'Bearer not.a.token', 'x-request-id': 'probe-3' },
    );
    expect(refused.status).toBe(401);
    expect(await trellis.logLine((l) => l.requestId === 'probe-3')).toMatchObject({
      status: 'error',
      httpStatus: 401,
      errors: ['UNAUTHENTICATED'],
    });

    const mutation = await post(
      trellis.url,
      {
        query: 'mutation Close($id: ID!) { groupClose(input: { groupId: $id, closedOn: "2020-01-01" }) { userErrors { code } } }',
        variables: { id: 'R3JvdXA6OTk5OTk5' },
      },
      { authorization: `Bearer ${token}`, 'x-request-id': 'probe-4' },
    );
    expect(mutation.status).toBe(200);
    expect(await trellis.logLine((l) => l.requestId === 'probe-4')).toMatchObject({
      operation: 'Close',
      type: 'mutation',
      viewer: 'person',
    });

    // Never a token, the query text, variables or SQL in the log.
    const log = JSON.stringify(trellis.lines);
    expect(log).not.toContain(token);
    expect(log).not.toContain('not.a.token');
    expect(log).not.toContain('noSuchField');
    expect(log).not.toContain('R3JvdXA6OTk5OTk5');
    expect(log).not.toMatch(/select .* from/i);
  });

  it('answers /healthz and /health while up, and /readyz only when the database, the migrations and the LISTEN connection are', async () => {
    for (const probe of ['/healthz', '/health']) {
      const response = await fetch(`http://127.0.0.1:${trellis.port}${probe}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    }
    const ready = await fetch(`http://127.0.0.1:${trellis.port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: { ok: true }, migrations: { ok: true }, listen: { ok: true } },
    });

    // A migration this code knows is not applied (as when an older schema is restored): not ready.
    const { rows } = await sql.query(`delete from mikro_orm_migrations where id = (select max(id) from mikro_orm_migrations) returning *`);
    try {
      const pending = await fetch(`http://127.0.0.1:${trellis.port}/readyz`);
      expect(pending.status).toBe(503);
      const body = (await pending.json()) as any;
      expect(body.status).toBe('not ready');
      expect(body.checks.database.ok).toBe(true);
      expect(body.checks.migrations).toMatchObject({ ok: false });
      expect(body.checks.migrations.detail).toContain(rows[0].name);
    } finally {
      await sql.query(`insert into mikro_orm_migrations (id, name, executed_at) values ($1, $2, $3)`, [
        rows[0].id,
        rows[0].name,
        rows[0].executed_at,
      ]);
    }

    // The LISTEN connection is killed and cannot come back (the database refuses new connections): not ready.
    const admin = new PgClient({ connectionString: inject('serverUrl') });
    admin.on('error', () => undefined);
    await admin.connect();
    await admin.query(`alter database "${database}" with allow_connections false`);
    try {
      await sql.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'trellis-alerts-listen'`,
        [database],
      );
      let body: any;
      for (let i = 0; i < 50; i++) {
        const response = await fetch(`http://127.0.0.1:${trellis.port}/readyz`);
        body = await response.json();
        if (response.status === 503) break;
        await sleep(100);
      }
      expect(body.status).toBe('not ready');
      expect(body.checks.listen).toMatchObject({ ok: false });
    } finally {
      await admin.query(`alter database "${database}" with allow_connections true`);
      await admin.end();
    }
    // It reconnects by itself.
    await trellis.ready(15_000);
  });

  it('stops on SIGTERM: not ready, refuses new connections, finishes the request in flight, closes sockets with 1001, releases the database, exits 0', async () => {
    const socket = new WebSocket(trellis.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await new Promise((resolve) => socket.once('message', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

    // A request held in flight: the school table is locked, so the query waits until the lock is released.
    await sql.query('begin');
    await sql.query('lock table school in access exclusive mode');
    const inFlight = post(trellis.url, { query: 'query Slow { schools(first: 1) { totalCount } }' });
    for (let i = 0; i < 100; i++) {
      const { rows } = await sql.query(`select 1 from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'`, [database]);
      if (rows.length) break;
      await sleep(50);
    }

    trellis.kill('SIGTERM');
    await trellis.logLine((l) => l.signal === 'SIGTERM');
    expect(await closed).toBe(1001);
    const readyz = await fetch(`http://127.0.0.1:${trellis.port}/readyz`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(readyz);
    // A new connection is refused (a raw socket: fetch might reuse a kept-alive one).
    const connect = await new Promise<string>((resolve) => {
      const probe = net.connect(trellis.port, '127.0.0.1');
      probe.once('connect', () => (probe.destroy(), resolve('accepted')));
      probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(connect).toBe('ECONNREFUSED');

    await sleep(300);
    await sql.query('commit');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body.data.schools.totalCount).toBe(1);

    expect(await trellis.exited).toBe(0);
    const { rows } = await sql.query(`select application_name from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [
      database,
    ]);
    expect(rows).toEqual([]);
  });

  it('exits at once with one clear sentence and code 1 when the port is taken', async () => {
    const holder = await (await TrellisProcess.start({ DATABASE_URL: databaseUrl })).ready();
    try {
      const started = Date.now();
      const second = await runCli(['start'], { DATABASE_URL: databaseUrl, PORT: String(holder.port), HOST: '127.0.0.1' });
      expect(second.code).toBe(1);
      expect(second.stderr).toBe(
        `trellis: port ${holder.port} on 127.0.0.1 is already in use (another Trellis, or another program): stop it, or set PORT to a free port.\n`,
      );
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await holder.stop();
    }
  });
});

describe('npm start', () => {
  it('passes SIGTERM on to Trellis, which stops its embedded PostgreSQL: nothing is left running', async () => {
    const dataDir = `.data/test-npm-start/${process.pid}-${Date.now().toString(36)}`;
    const trellis = await TrellisProcess.start(
      { DATABASE_URL: undefined, TRELLIS_DATA_DIR: dataDir, TRELLIS_EMBEDDED_PG_PORT: String(await freePort()) },
      { npm: true },
    );
    try {
      await trellis.ready(120_000);
      const [postgres] = await processesMatching(dataDir);
      expect(postgres).toBeGreaterThan(0);
      const node = (await processesMatching('dist/src/cli.js start')).find((pid) => pid !== trellis.child.pid);
      expect(node).toBeDefined();
      trellis.kill('SIGTERM');
      await trellis.exited;
      for (let i = 0; i < 100 && (await processesMatching(dataDir)).length; i++) await sleep(100);
      expect(await processesMatching(dataDir)).toEqual([]);
      expect(await trellis.logLine((l) => l.msg === 'stopped')).toBeDefined();
    } finally {
      await trellis.stop();
      const fs = await import('node:fs');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('startServer on a taken port', () => {
  it('rejects with the one-sentence error and leaves nothing open (the race a port probe cannot close)', async () => {
    const database = await createTestDatabase();
    const databaseUrl = withDatabase(inject('serverUrl'), database);
    const holder = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const orm = await openOrm({ clientUrl: databaseUrl });
    try {
      const failure = await startServer({ orm, port, host: '127.0.0.1', auth: TEST_AUTH, sweepIntervalMs: 0 }).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(PortInUseError);
      expect(describeFailure(failure, ['start'])).toEqual({
        code: 1,
        message: `port ${port} on 127.0.0.1 is already in use (another Trellis, or another program): stop it, or set PORT to a free port.`,
      });
      // The alert feed's LISTEN connection and pool were released.
      await orm.close(true);
      const { rows } = await sql(
        databaseUrl,
        `select application_name from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      expect(rows).toEqual([]);
    } finally {
      holder.close();
      await dropTestDatabase(database);
    }
  });
});

async function sql(databaseUrl: string, text: string) {
  const client = new PgClient({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

describe('GET /metrics', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(app.url.replace('/graphql', '/metrics'))).text();
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text
      .split('\n')
      .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `) ? wanted.every((w) => l.includes(w)) : false));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  it('counts requests and latency by operation, errors by code, sockets, subscriptions, alerts raised and delivered, and pool use', async () => {
    const response = await fetch(app.url.replace('/graphql', '/metrics'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');

    await app.gql('query CountSchools { schools(first: 1) { totalCount } }');
    await app.gql('query CountSchools { schools(first: 1) { totalCount } }');
    await app.gql('query Bad { schools(first: 1000) { totalCount } }');
    expect(await metric('trellis_graphql_requests_total', { operation: 'CountSchools', type: 'query', status: 'ok' })).toBe(2);
    expect(await metric('trellis_graphql_request_duration_seconds_count', { operation: 'CountSchools', type: 'query' })).toBe(2);
    expect(await metric('trellis_graphql_requests_total', { operation: 'Bad', status: 'error' })).toBe(1);
    expect(await metric('trellis_graphql_errors_total', { code: 'BAD_USER_INPUT' })).toBeGreaterThanOrEqual(1);

    const [schoolId] = await insertSchools(app, 1, 991001);
    const client = wsClient(wsUrlOf(app.url));
    const sub = collect(client, RAISED);
    await connected(client);
    expect(await metric('trellis_websocket_connections')).toBe(1);
    expect(await metric('trellis_subscriptions_active')).toBe(1);
    expect(await metric('trellis_subscriptions_started_total', { operation: 'Inbox' })).toBe(1);

    await recordMeasure(app.orm, schoolId, 30);
    await sub.until(1);
    expect(await metric('trellis_alerts_raised_total', { severity: 'peer_review' })).toBe(1);
    expect(await metric('trellis_alert_deliveries_total', { phase: 'live' })).toBe(1);
    expect(await metric('trellis_alert_delivery_lag_seconds_count')).toBe(1);

    // Resuming from before the alert replays it: a catch-up delivery, not counted in the live lag.
    const again = collect(client, RAISED, { since: encodeCursor(ALERT_CURSOR_LIST, 0) });
    await again.until(1);
    expect(await metric('trellis_alert_deliveries_total', { phase: 'catch_up' })).toBe(1);
    expect(await metric('trellis_alert_delivery_lag_seconds_count')).toBe(1);

    await client.dispose();
    for (let i = 0; i < 50 && (await metric('trellis_websocket_connections')) > 0; i++) await sleep(50);
    expect(await metric('trellis_websocket_connections')).toBe(0);
    expect(await metric('trellis_subscriptions_active')).toBe(0);

    expect(await metric('trellis_db_pool_max', { pool: 'orm' })).toBe(10);
    expect(await metric('trellis_db_pool_max', { pool: 'alerts' })).toBe(4);
    const text = await (await fetch(app.url.replace('/graphql', '/metrics'))).text();
    for (const state of ['used', 'idle', 'waiting']) expect(text).toContain(`trellis_db_pool_connections{pool="orm",state="${state}"}`);
  });
});
