import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_EVENT_FIELDS, collect, connected, insertSchools, recordMeasure, sleep, wsClient, YEAR_BEFORE } from './alert-fixtures';
import { startInstance, startTestApp, TestApp, TestInstance, wsUrlOf } from './helpers';

const RAISED = `subscription ($since: String, $schoolId: ID) { alertRaised(since: $since, schoolId: $schoolId) { ${ALERT_EVENT_FIELDS} } }`;

describe('alert delivery over graphql-ws', () => {
  let app: TestApp;
  let other: TestInstance;

  beforeAll(async () => {
    app = await startTestApp();
    other = await startInstance(app.databaseUrl);
  });

  afterAll(async () => {
    await other?.close();
    await app?.close();
  });

  it('delivers a measure below a threshold to a subscribed client', async () => {
    const [schoolId] = await insertSchools(app, 1, 900001);
    const client = wsClient(wsUrlOf(app.url));
    const sub = collect(client, RAISED);
    await connected(client);
    await recordMeasure(app.orm, schoolId, 41.5);
    await sub.until(1);
    const [event] = sub.events;
    expect(event.kind).toBe('RAISED');
    expect(event.alert.school.urn).toBe(900001);
    expect(event.alert.severity).toBe('PEER_REVIEW');
    expect(event.alert.evidence).toMatchObject({ metric: 'ks2_rwm_expected_pct', value: 41.5, threshold: 65, academicYear: YEAR_BEFORE });
    expect(event.alert.evidence.rule).toMatchObject({ kind: 'metric_below', parameters: { threshold: 65 } });
    await client.dispose();
  });

  it('delivers to a subscriber on another instance an alert raised through the first', async () => {
    const [schoolId] = await insertSchools(app, 1, 900101);
    const client = wsClient(other.wsUrl);
    const sub = collect(client, RAISED, { schoolId: Buffer.from(`School:${schoolId}`).toString('base64url') });
    await connected(client);
    await recordMeasure(app.orm, schoolId, 30);
    await sub.until(1);
    expect(sub.events[0].alert.school.urn).toBe(900101);
    await client.dispose();
  });

  it('announces nothing for a change that rolled back', async () => {
    const [rolledBack, committed] = await insertSchools(app, 2, 900201);
    const client = wsClient(wsUrlOf(app.url));
    const sub = collect(client, RAISED);
    await connected(client);
    await expect(recordMeasure(app.orm, rolledBack, 10, { fail: true })).rejects.toThrow('rolled back on purpose');
    await recordMeasure(app.orm, committed, 10);
    await sub.until(1);
    await sleep(300);
    expect(sub.events.map((e) => e.alert.school.urn)).toEqual([900202]);
    expect(await app.sql(`select * from alert where school_id = $1`, [rolledBack])).toHaveLength(0);
    await client.dispose();
  });

  it('gives a client that disconnects during a burst of 1,000 alerts from concurrent transactions all of them, once each, in cursor order', async () => {
    const schoolIds = await insertSchools(app, 1000, 910000);
    const first = wsClient(other.wsUrl);
    const before = collect(first, RAISED);
    await connected(first);
    // 1,000 transactions, 10 at a time, each raising one alert.
    let next = 0;
    const writers = Array.from({ length: 10 }, async () => {
      while (next < schoolIds.length) await recordMeasure(app.orm, schoolIds[next++], 20);
    });
    const burst = Promise.all(writers);
    await before.until(150, 30_000);
    await first.dispose(); // the client drops mid-burst
    const seen = [...before.events];
    await sleep(50);
    const last = seen[seen.length - 1].cursor;
    // It reconnects, here to the other instance, with the last cursor it saw.
    const second = wsClient(wsUrlOf(app.url));
    const after = collect(second, RAISED, { since: last });
    await burst;
    const remaining = 1000 - seen.length;
    await after.until(remaining, 30_000);
    await sleep(300);
    const all = [...seen, ...after.events].filter((e) => e.alert.school.urn >= 910000);
    expect(all).toHaveLength(1000);
    expect(new Set(all.map((e) => e.alert.id)).size).toBe(1000);
    expect(new Set(all.map((e) => e.alert.school.urn)).size).toBe(1000);
    const positions = all.map((e) => JSON.parse(Buffer.from(e.cursor, 'base64url').toString())[1] as number);
    for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]);
    await second.dispose();
  }, 60_000);

  it('loses nothing when the LISTEN connection is killed', async () => {
    const [a, b] = await insertSchools(app, 2, 920001);
    const client = wsClient(wsUrlOf(app.url));
    const sub = collect(client, RAISED);
    await connected(client);
    const pid = app.server.alertFeed.listenerPid;
    expect(pid).toBeTypeOf('number');
    await app.sql(`select pg_terminate_backend($1)`, [pid]);
    // Written while the instance has no LISTEN connection: it must still arrive, read from the table.
    await recordMeasure(app.orm, a, 12);
    await sub.until(1, 15_000);
    // And the connection is back: the next one arrives too.
    await recordMeasure(app.orm, b, 12);
    await sub.until(2, 15_000);
    expect(sub.events.map((e) => e.alert.school.urn)).toEqual([920001, 920002]);
    expect(app.server.alertFeed.listenerPid).not.toBe(pid);
    await client.dispose();
  });

  it('orders by commit, not by insert: an event inserted first but committed last still comes after the cursor of an earlier commit', async () => {
    const [slow, fast] = await insertSchools(app, 2, 930001);
    const client = wsClient(wsUrlOf(app.url));
    const sub = collect(client, RAISED);
    await connected(client);
    // The slow transaction takes its alert_event id first, then waits before committing.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowWrite = app.orm.em.fork().transactional(async (em) => {
      await em.execute(
        `insert into outcome_measure (school_id, metric, academic_year, value, source) values (?, 'ks2_rwm_expected_pct', ?, 5, 'test')`,
        [slow, YEAR_BEFORE],
      );
      const { publish } = await import('../src/core/domain-events');
      await publish(em as never, { type: 'measures.recorded', schoolIds: [slow], metrics: ['ks2_rwm_expected_pct'] });
      await held;
    });
    await sleep(100);
    await recordMeasure(app.orm, fast, 5);
    await sub.until(1);
    const fastCursor = sub.events[0].cursor;
    expect(sub.events[0].alert.school.urn).toBe(930002);
    // A client that saw only the fast one reconnects with its cursor, before the slow one commits.
    const later = wsClient(other.wsUrl);
    const resumed = collect(later, RAISED, { since: fastCursor });
    await connected(later);
    release();
    await slowWrite;
    await sub.until(2);
    await resumed.until(1);
    expect(sub.events.map((e) => e.alert.school.urn)).toEqual([930002, 930001]);
    expect(resumed.events.map((e) => e.alert.school.urn)).toEqual([930001]);
    await client.dispose();
    await later.dispose();
  });
});
