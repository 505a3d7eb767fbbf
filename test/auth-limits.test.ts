import { MAX_REQUEST_BYTES } from '../src/server/app';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, connected, sleep, wsClient } from './alert-fixtures';
import { adminAuthorization, startTestApp, TestApp, wsUrlOf } from './helpers';

/** Limits on what one request may ask, the WebSocket protocol's guards, and GraphQL-over-HTTP conformance. */
let app: TestApp;
let strict: TestApp;
let production: TestApp;

beforeAll(async () => {
  [app, strict, production] = await Promise.all([
    startTestApp(),
    startTestApp({ viewer: 'anonymous', auth: { requireAuth: true, maxSubscriptionsPerConnection: 2 } }),
    startTestApp({ production: true }),
  ]);
});

afterAll(async () => {
  await Promise.all([app?.close(), strict?.close(), production?.close()]);
});

const message = (result: { errors?: { message: string }[] }) => result.errors?.map((e) => e.message).join('; ') ?? '';

describe('query limits', () => {
  it('refuses an over-deep query, naming the limit', async () => {
    const deep = `{ groups(first: 1) { edges { node { members(first: 1) { edges { node { memberships { group { members(first: 1) { edges { node { memberships { group { name } } } } } } } } } } } } } }`;
    const result = await app.gql(deep);
    expect(result.data).toBeUndefined();
    expect(message(result)).toMatch(/Query depth limit of 12 exceeded, found 14/);
  });

  it('refuses an over-costly query (three nested lists of 100), naming the limit', async () => {
    // The cost is the objects a query may return (auth/cost.ts): here a million posts and a million people.
    const costly = `{ groups(first: 100) { edges { node { members(first: 100) { edges { node { staff(first: 100) { edges { node { person { fullName } } } } } } } } } } }`;
    const result = await app.gql(costly);
    expect(result.data).toBeUndefined();
    expect(message(result)).toMatch(/Query cost limit of 500000 objects exceeded, found 3030301/);
  });

  it('refuses more than 15 aliases', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: schools(first: 1) { totalCount }`).join(' ');
    const result = await app.gql(`{ ${aliases} }`);
    expect(message(result)).toMatch(/Aliases limit of 15 exceeded, found 16/);
    const fifteen = Array.from({ length: 15 }, (_, i) => `a${i}: schools(first: 1) { totalCount }`).join(' ');
    expect((await app.gql(`{ ${fifteen} }`)).errors).toBeUndefined();
  });

  it('bounds first, refuses batched requests and bodies over 5 MB', async () => {
    expect(message(await app.gql(`{ schools(first: 101) { totalCount } }`))).toMatch(/first must be between 1 and 100/);
    const batch = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: app.authorization! },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(batch.status).toBe(400);
    const huge = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(MAX_REQUEST_BYTES + 1) } }),
    });
    expect(huge.status).toBe(413);
  });
});

describe('production mode', () => {
  it('has no introspection and no explorer or landing page', async () => {
    const result = await production.gql(`{ __schema { types { name } } }`);
    expect(message(result)).toMatch(/introspection/i);
    const page = await fetch(production.url, { headers: { accept: 'text/html' } });
    const text = await page.text();
    expect(text).not.toMatch(/sandbox|explorer|embeddable/i);
    const dev = await fetch(app.url, { headers: { accept: 'text/html' } });
    expect(await dev.text()).toMatch(/<html/i);
  });

  it('keeps CSRF prevention on: a simple GET without a preflight header is refused', async () => {
    const response = await fetch(`${app.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/i);
  });
});

describe('WebSocket guards', () => {
  function rawSocket(url: string): Promise<{ socket: WebSocket; closed: Promise<number> }> {
    const socket = new WebSocket(wsUrlOf(url), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve({ socket, closed }));
      socket.once('error', reject);
    });
  }

  it('closes a socket that never sends connection_init with 4408 (after the 3 s wait)', async () => {
    const { closed } = await rawSocket(app.url);
    expect(await closed).toBe(4408);
  });

  it('refuses a subscribe before connection_init with 4401', async () => {
    const { socket, closed } = await rawSocket(app.url);
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { alertRaised { cursor } }' } }));
    expect(await closed).toBe(4401);
  });

  it('refuses an unauthenticated connection with 4403 where authentication is required, and a bad token everywhere', async () => {
    const anonymous = await rawSocket(strict.url);
    anonymous.socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    expect(await anonymous.closed).toBe(4403);
    const forged = await rawSocket(app.url);
    forged.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer not.a.token' } }));
    expect(await forged.closed).toBe(4403);
    const admin = await rawSocket(strict.url);
    admin.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: await adminAuthorization() } }));
    const ack = await new Promise<string>((resolve) => admin.socket.once('message', (data) => resolve(String(data))));
    expect(JSON.parse(ack).type).toBe('connection_ack');
    admin.socket.close();
  });

  it('refuses anonymous HTTP requests with 401 where authentication is required', async () => {
    const response = await fetch(strict.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ schools(first: 1) { totalCount } }' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/Bearer/);
  });

  it('allows at most N subscriptions on one connection', async () => {
    const client = wsClient(wsUrlOf(strict.url));
    const streams = [1, 2, 3].map(() => collect(client, 'subscription { alertRaised { cursor } }'));
    try {
      await connected(client);
      await sleep(200);
      expect(streams.map((s) => s.errors.length)).toEqual([0, 0, 1]);
      expect(JSON.stringify(streams[2].errors)).toMatch(/At most 2 operations/);
    } finally {
      for (const s of streams) s.dispose();
      await client.dispose();
    }
  });

  it('applies the same depth limit to operations over WebSocket', async () => {
    const client = wsClient(wsUrlOf(app.url));
    const deep = `subscription { alertRaised { alert { school { memberships { group { members(first: 1) { edges { node { memberships { group { members(first: 1) { edges { node { name } } } } } } } } } } } } } }`;
    const stream = collect(client, deep);
    try {
      await sleep(400);
      expect(JSON.stringify(stream.errors)).toMatch(/Query depth limit of 12 exceeded/);
    } finally {
      stream.dispose();
      await client.dispose();
    }
  });
});

describe('GraphQL over HTTP conformance (graphql-http serverAudits)', () => {
  it('passes every required audit', async () => {
    const audits = serverAudits({ url: app.url, fetchFn: fetch });
    const failures: string[] = [];
    for (const audit of audits) {
      const result = await audit.fn();
      if (result.status === 'error') failures.push(`${audit.id} ${audit.name}: ${result.reason}`);
    }
    expect(failures).toEqual([]);
  });
});
