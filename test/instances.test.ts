import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createClient } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ALERT_EVENT_FIELDS, globalId, recordMeasure, sleep } from './alert-fixtures';
import { openOrm } from '../src/database/orm';
import { adminAuthorization, TEST_ADMIN_ID } from './helpers';
import { childEnv, CLI, freePort, processesMatching, PROJECT_ROOT, TrellisProcess } from './processes';

const INBOX = `subscription Inbox($since: String) { alertRaised(since: $since) { ${ALERT_EVENT_FIELDS} } }`;

/**
 * A client as the README tells partner apps to write one: it keeps the cursor of the last event it
 * processed, and when its connection drops it subscribes again, on the next instance behind the
 * "load balancer" (here: a list of URLs), with `since` set to that cursor.
 */
class ResumingSubscriber {
  readonly alertIds: string[] = [];
  readonly servedBy: number[] = [];
  reconnects = 0;
  readonly errors: unknown[] = [];
  private since: string | undefined;
  private stopped = false;
  private dispose?: () => void;

  constructor(
    private readonly urls: string[],
    private instance: number,
  ) {}

  async start(): Promise<void> {
    const authorization = await adminAuthorization();
    await new Promise<void>((resolve) => this.connect(authorization, resolve));
  }

  private connect(authorization: string, subscribed?: () => void): void {
    if (this.stopped) return;
    const url = this.urls[this.instance];
    const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { authorization } });
    this.servedBy.push(this.instance);
    client.on('connected', () => setTimeout(() => subscribed?.(), 100));
    const again = (error?: unknown) => {
      void client.dispose();
      if (this.stopped) return;
      this.errors.push(error instanceof Error ? error.message : ((error as { code?: number })?.code ?? error));
      if (this.reconnects > 20) return; // something is wrong: let the test fail on what was received
      this.reconnects += 1;
      this.instance = (this.instance + 1) % this.urls.length;
      setTimeout(() => this.connect(authorization, subscribed), 50);
    };
    const unsubscribe = client.subscribe<{ alertRaised: { cursor: string; alert: { id: string } } }>(
      { query: INBOX, variables: { since: this.since } },
      {
        next: ({ data }) => {
          if (!data) return;
          this.alertIds.push(data.alertRaised.alert.id);
          this.since = data.alertRaised.cursor;
        },
        error: again,
        complete: () => again('completed'),
      },
    );
    this.dispose = () => {
      unsubscribe();
      void client.dispose();
    };
  }

  stop(): void {
    this.stopped = true;
    this.dispose?.();
  }
}

describe('several instances on one PostgreSQL', () => {
  const dataDir = `.data/test-instances/${process.pid}-${Date.now().toString(36)}`;
  let postgres: ReturnType<typeof spawn>;
  let databaseUrl: string;
  const instances: TrellisProcess[] = [];
  let orm: MikroORM;
  let sql: PgClient;

  beforeAll(async () => {
    // The README's way: one PostgreSQL (`trellis postgres`, or any server), then N instances with their own PORT.
    postgres = spawn(process.execPath, [CLI, 'postgres'], {
      cwd: PROJECT_ROOT,
      env: childEnv({ DATABASE_URL: undefined, TRELLIS_DATA_DIR: dataDir, TRELLIS_EMBEDDED_PG_PORT: String(await freePort()) }),
    });
    databaseUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      postgres.stdout!.on('data', (chunk) => {
        out += chunk;
        const found = /^DATABASE_URL=(\S+)$/m.exec(out);
        if (found) resolve(found[1]);
      });
      postgres.once('exit', (code) => reject(new Error(`trellis postgres exited with ${code}`)));
    });
    // Started together on an empty database: the demo is loaded once, by whichever instance gets the lock.
    instances.push(...(await Promise.all([0, 1, 2].map(() => TrellisProcess.start({ DATABASE_URL: databaseUrl })))));
    await Promise.all(instances.map((instance) => instance.ready(120_000)));
    orm = await openOrm({ clientUrl: databaseUrl });
    sql = new PgClient({ connectionString: databaseUrl });
    sql.on('error', () => undefined);
    await sql.connect();
    // The subscribers sign in as the test administrator (the demo has no one who sees every school).
    await sql.query(`insert into person (id, full_name, created_at) values (${TEST_ADMIN_ID}, 'Test Administrator', now())`);
    await sql.query(`insert into role_grant (person_id, role) values (${TEST_ADMIN_ID}, 'admin')`);
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await sql?.end();
    await orm?.close(true);
    if (postgres && postgres.exitCode === null) {
      postgres.kill('SIGTERM');
      await new Promise((resolve) => postgres.once('exit', resolve));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads the demo once when the instances start together, and each answers on its own port', async () => {
    const { rows } = await sql.query(`select count(*)::int as schools from school`);
    expect(rows[0].schools).toBe(60);
    expect(new Set(instances.map((instance) => instance.port)).size).toBe(3);
    for (const instance of instances) {
      const response = await fetch(instance.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ schools(first: 1) { totalCount } }' }),
      });
      expect(((await response.json()) as any).data.schools.totalCount).toBe(60);
    }
  });

  it('moves subscribers of a killed instance to the others, and with `since` none misses or repeats an alert', async () => {
    const urls = instances.map((instance) => instance.wsUrl);
    const subscribers = [0, 1, 2, 0, 1, 2].map((instance) => new ResumingSubscriber(urls, instance));
    await Promise.all(subscribers.map((subscriber) => subscriber.start()));

    const { rows: schools } = await sql.query<{ id: number }>(
      `insert into school (urn, name, phase, establishment_type)
       select 995000 + n, 'Resume School ' || n, 'primary', 'community_school' from generate_series(1, 40) n returning id`,
    );
    const raise = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await recordMeasure(orm, schools[i].id, 20);
        await sleep(20);
      }
    };
    await raise(0, 15);
    // A crash, not a polite stop: no close frame, the sockets just die (1006).
    instances[0].kill('SIGKILL');
    await raise(15, 40);

    const { rows } = await sql.query<{ alert_id: number }>(
      `select e.alert_id from alert_event e join alert a on a.id = e.alert_id
       where e.kind = 'raised' and a.school_id = any($1::int[]) order by e.position`,
      [schools.map((s) => s.id)],
    );
    expect(rows).toHaveLength(40);
    const expected = rows.map((row) => globalId('Alert', row.alert_id));
    for (let i = 0; i < 200 && subscribers.some((s) => s.alertIds.length < 40); i++) await sleep(100);
    subscribers.forEach((subscriber) => subscriber.stop());

    for (const [i, subscriber] of subscribers.entries()) {
      expect(
        subscriber.alertIds,
        `subscriber ${i} (served by ${subscriber.servedBy.join(' then ')}; ${JSON.stringify(subscriber.errors)})`,
      ).toEqual(expected);
    }
    // Those on the killed instance really moved (and only they had to).
    for (const subscriber of [subscribers[0], subscribers[3]]) {
      expect(subscriber.reconnects).toBeGreaterThanOrEqual(1);
      expect(subscriber.servedBy[0]).toBe(0);
      expect(subscriber.servedBy.at(-1)).not.toBe(0);
    }
    for (const subscriber of [subscribers[1], subscribers[2], subscribers[4], subscribers[5]]) expect(subscriber.reconnects).toBe(0);
    expect(await instances[0].exited).toBeNull();
    expect(await processesMatching(`${CLI} start`)).not.toContain(instances[0].child.pid);
  });
});
