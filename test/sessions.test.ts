import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey, revokeApiKey } from '../src/auth/api-keys';
import { runAuthCommand } from '../src/auth/auth.command';
import { SESSION_ENDED_CLOSE_CODE } from '../src/auth/sessions';
import { collect, connected, insertSchools, recordMeasure, sleep, wsClient } from './alert-fixtures';
import { startInstance, startTestApp, TEST_AUTH, TestApp, TestInstance, tokenFor, wsUrlOf } from './helpers';

/**
 * Sessions follow credentials: a WebSocket lives only as long as the key, token, person and roles it
 * was opened with. Each way a credential stops holding is tried (key revoked by the command, by SQL
 * with no announcement, on another instance; token expiring; person deleted; role revoked), and in
 * each the events committed after the change are raised and checked never to arrive.
 */
let app: TestApp;
let other: TestInstance;
let schools: number[];
let next = 0;
const SUBSCRIPTION = `subscription { alertRaised { cursor alert { school { urn } } } }`;

beforeAll(async () => {
  app = await startTestApp();
  other = await startInstance(app.databaseUrl);
  schools = await insertSchools(app, 40, 810_000);
});

afterAll(async () => {
  await other?.close();
  await app?.close();
});

/** Raises one new alert (a low KS2 result at a school not used before) and returns the school's URN. */
async function raiseAlert(): Promise<number> {
  const schoolId = schools[next++];
  await recordMeasure(app.orm, schoolId, 20);
  const [row] = await app.sql<{ urn: number }>(`select urn from school where id = $1`, [schoolId]);
  return row.urn;
}

/** A graphql-ws client that records how the server closed it. */
function watched(url: string, authorization: string) {
  const client = wsClient(url, authorization);
  const closed = new Promise<number>((resolve) => client.on('closed', (event) => resolve((event as { code: number }).code)));
  return { client, closed };
}

async function keyFor(scopes: string[]): Promise<{ id: number; authorization: string }> {
  const { key, record } = await createApiKey(app.orm.em.fork(), `Partner ${scopes.join(' ')}`, scopes);
  return { id: record.id, authorization: `Bearer ${key}` };
}

async function personWithRole(id: number, role = 'admin'): Promise<string> {
  await app.sql(`insert into person (id, full_name, created_at) values ($1::int, 'Person ' || $1::int, now())`, [id]);
  if (role) await app.sql(`insert into role_grant (person_id, role) values ($1, $2)`, [id, role]);
  return `Bearer ${await tokenFor(id)}`;
}

/** Raises alerts right after a credential stopped holding, and checks none of them arrives. */
async function expectNothingAfter(stream: ReturnType<typeof collect>, delivered: number): Promise<void> {
  await raiseAlert();
  await raiseAlert();
  await sleep(600);
  expect(stream.events).toHaveLength(delivered);
}

async function dispose(client: Client, stream: ReturnType<typeof collect>): Promise<void> {
  stream.dispose();
  await client.dispose();
}

describe('revoking an API key', () => {
  it('with the trellis command closes its socket with 4403, and no event committed after it arrives', async () => {
    const key = await keyFor(['read:alerts', 'subscribe:alerts']);
    const { client, closed } = watched(wsUrlOf(app.url), key.authorization);
    const stream = collect(client, SUBSCRIPTION);
    try {
      await connected(client);
      const urn = await raiseAlert();
      await stream.until(1);
      expect(await runAuthCommand(app.orm, TEST_AUTH, 'apikey', ['revoke', String(key.id)])).toMatch(/revoked key/);
      await expectNothingAfter(stream, 1);
      expect(await closed).toBe(SESSION_ENDED_CLOSE_CODE);
      expect(stream.events.map((e: any) => e.alert.school.urn)).toEqual([urn]);
    } finally {
      await dispose(client, stream);
    }
  });

  it('by hand in SQL, with no announcement at all, still stops the next event (credentials are read after events)', async () => {
    const key = await keyFor(['read:alerts', 'subscribe:alerts']);
    const { client, closed } = watched(wsUrlOf(app.url), key.authorization);
    const stream = collect(client, SUBSCRIPTION);
    try {
      await connected(client);
      await raiseAlert();
      await stream.until(1);
      // Triggers off for this transaction: no NOTIFY reaches any instance; only the check before delivery can see it.
      await app.sql(`begin; set local session_replication_role = replica; update api_key set revoked_at = now() where id = ${key.id}; commit;`);
      await raiseAlert();
      expect(await closed).toBe(SESSION_ENDED_CLOSE_CODE);
      await sleep(300);
      expect(stream.events).toHaveLength(1);
    } finally {
      await dispose(client, stream);
    }
  });

  it('on one instance closes the sockets the key holds on another', async () => {
    const key = await keyFor(['read:alerts', 'subscribe:alerts']);
    const { client, closed } = watched(other.wsUrl, key.authorization);
    const stream = collect(client, SUBSCRIPTION);
    try {
      await connected(client);
      await raiseAlert();
      await stream.until(1);
      await revokeApiKey(app.orm.em.fork(), key.id);
      expect(await closed).toBe(SESSION_ENDED_CLOSE_CODE);
      await expectNothingAfter(stream, 1);
    } finally {
      await dispose(client, stream);
    }
  });

  it('whose scopes are changed by hand closes its socket with 4403 (it must connect again to use the new ones)', async () => {
    const key = await keyFor(['read:alerts', 'subscribe:alerts']);
    const { client, closed } = watched(wsUrlOf(app.url), key.authorization);
    const stream = collect(client, SUBSCRIPTION);
    try {
      await connected(client);
      await app.sql(`update api_key set scopes = '{subscribe:alerts}' where id = $1`, [key.id]);
      expect(await closed).toBe(SESSION_ENDED_CLOSE_CODE);
      await expectNothingAfter(stream, 0);
    } finally {
      await dispose(client, stream);
    }
  });

  it('leaves the sockets of other keys open and receiving', async () => {
    const kept = await keyFor(['read:alerts', 'subscribe:alerts']);
    const revoked = await keyFor(['read:alerts', 'subscribe:alerts']);
    const a = watched(wsUrlOf(app.url), kept.authorization);
    const b = watched(wsUrlOf(app.url), revoked.authorization);
    const streamA = collect(a.client, SUBSCRIPTION);
    const streamB = collect(b.client, SUBSCRIPTION);
    try {
      await Promise.all([connected(a.client), connected(b.client)]);
      await revokeApiKey(app.orm.em.fork(), revoked.id);
      expect(await b.closed).toBe(SESSION_ENDED_CLOSE_CODE);
      await raiseAlert();
      await streamA.until(1);
      expect(streamB.events).toHaveLength(0);
    } finally {
      await dispose(a.client, streamA);
      await dispose(b.client, streamB);
    }
  });
});

describe('a token', () => {
  it('that expires closes its socket with 4403 when it runs out', async () => {
    await personWithRole(700_001);
    const soon = `Bearer ${await tokenFor(700_001, { expiresIn: Math.floor(Date.now() / 1000) + 2 })}`;
    const { client, closed } = watched(wsUrlOf(app.url), soon);
    const stream = collect(client, SUBSCRIPTION);
    try {
      await connected(client);
      await raiseAlert();
      await stream.until(1);
      expect(await closed).toBe(SESSION_ENDED_CLOSE_CODE);
      await expectNothingAfter(stream, 1);
    } finally {
      await dispose(client, stream);
    }
  });

  it('whose subject does not exist gets 401 on HTTP and 4403 on the socket', async () => {
    const ghost = `Bearer ${await tokenFor(700_999)}`;
    const response = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: ghost },
      body: JSON.stringify({ query: '{ schools(first: 1) { totalCount } }' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/Bearer/);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(/no known person/) });

    const socket = new WebSocket(wsUrlOf(app.url), 'graphql-transport-ws');
    const code = new Promise<number>((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: ghost } }));
    expect(await code).toBe(4403);
  });

  it('of a person who is then deleted closes the socket with 4403, and HTTP then answers 401', async () => {
    const authorization = await personWithRole(700_002);
    const { client, closed } = watched(wsUrlOf(app.url), authorization);
    const stream = collect(client, SUBSCRIPTION);
    try {
      await connected(client);
      await raiseAlert();
      await stream.until(1);
      await app.sql(`delete from person where id = 700002`);
      expect(await closed).toBe(SESSION_ENDED_CLOSE_CODE);
      await expectNothingAfter(stream, 1);
      expect((await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: '{"query":"{ __typename }"}' })).status).toBe(401);
    } finally {
      await dispose(client, stream);
    }
  });
});

describe('revoking a role', () => {
  it('with the trellis command stops the events it granted (the person keeps their socket)', async () => {
    const authorization = await personWithRole(700_003);
    const { client } = watched(wsUrlOf(app.url), authorization);
    const stream = collect(client, SUBSCRIPTION);
    try {
      await connected(client);
      await raiseAlert();
      await stream.until(1);
      expect(await runAuthCommand(app.orm, TEST_AUTH, 'role', ['revoke', '700003', 'admin'])).toMatch(/no longer admin/);
      await expectNothingAfter(stream, 1);
      expect(stream.errors).toEqual([]);
      // Granted again: the same socket hears again.
      await runAuthCommand(app.orm, TEST_AUTH, 'role', ['grant', '700003', 'admin']);
      await sleep(200);
      await raiseAlert();
      await stream.until(2);
    } finally {
      await dispose(client, stream);
    }
  });

  it('by hand in SQL with no announcement still stops the next event', async () => {
    const authorization = await personWithRole(700_004);
    const { client } = watched(wsUrlOf(other.url), authorization);
    const stream = collect(client, SUBSCRIPTION);
    try {
      await connected(client);
      await raiseAlert();
      await stream.until(1);
      await app.sql(
        `begin; set local session_replication_role = replica; update role_grant set revoked_at = now() where person_id = 700004; commit;`,
      );
      await expectNothingAfter(stream, 1);
    } finally {
      await dispose(client, stream);
    }
  });
});

describe('a seat ended by hand (an import or SQL, not a mutation)', () => {
  it('stops the events of that school at once: the database announces it', async () => {
    const schoolId = schools[next++];
    const authorization = await personWithRole(700_005, '');
    await app.sql(
      `insert into governing_body (id, name, kind, school_id) values (700005, 'Body', 'school', $1);
       insert into governorship (person_id, governing_body_id, role, appointing_body, term_started_on)
         values (700005, 700005, 'governor', 'co_opted', '2023-09-01')`.replace('$1', String(schoolId)),
    );
    const { client } = watched(wsUrlOf(other.url), authorization);
    const stream = collect(client, SUBSCRIPTION);
    try {
      await connected(client);
      await recordMeasure(app.orm, schoolId, 20);
      await stream.until(1);
      await app.sql(`update governorship set ended_on = current_date - 1 where person_id = 700005`);
      await recordMeasure(app.orm, schoolId, 30, { metric: 'attendance_pct' });
      const [raised] = await app.sql<{ n: number }>(`select count(*)::int as n from alert where school_id = $1`, [schoolId]);
      expect(raised.n).toBe(2);
      await sleep(600);
      expect(stream.events).toHaveLength(1);
    } finally {
      await dispose(client, stream);
    }
  });
});

describe('subscribing with an API key', () => {
  it.each([
    [['subscribe:alerts'], /has subscribe:alerts but not read:alerts/],
    [['read:alerts'], /lacks the subscribe:alerts scope/],
    [['read:schools', 'read:people'], /lacks the subscribe:alerts scope/],
  ])('with scopes %j is refused at subscribe time, saying why', async (scopes, message) => {
    const key = await keyFor(scopes);
    const client = wsClient(wsUrlOf(app.url), key.authorization);
    const stream = collect(client, SUBSCRIPTION);
    try {
      for (let waited = 0; stream.errors.length === 0 && waited < 10_000; waited += 50) await sleep(50);
      await sleep(100);
      expect(stream.errors).toHaveLength(1);
      expect(JSON.stringify(stream.errors)).toMatch(message);
      expect(JSON.stringify(stream.errors)).toMatch(/FORBIDDEN/);
    } finally {
      await dispose(client, stream);
    }
  });

  it('with read:alerts and subscribe:alerts is accepted and receives', async () => {
    const key = await keyFor(['read:alerts', 'subscribe:alerts']);
    const client = wsClient(wsUrlOf(app.url), key.authorization);
    const stream = collect(client, SUBSCRIPTION);
    try {
      await connected(client);
      await raiseAlert();
      await stream.until(1);
      expect(stream.errors).toEqual([]);
    } finally {
      await dispose(client, stream);
    }
  });
});
