import { serverAudits } from 'graphql-http';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LIMITS } from '../src/auth/limits';
import { MAX_REQUEST_BYTES } from '../src/server/app';
import { startTestApp, TestApp, wsUrlOf } from './helpers';

/**
 * Protocol answers: every kind of bad request gets a GraphQL-shaped JSON error with a 4xx status,
 * never an HTML page, a stack trace or a file path; the same limits hold over HTTP and WebSocket;
 * text that PostgreSQL cannot hold (NUL) or that is not Unicode (lone surrogates) is refused by name.
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.close();
});

interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function post(body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Answer> {
  const response = await fetch(app.url, { method: 'POST', headers: { authorization: app.authorization!, ...headers }, body });
  const text = await response.text();
  let parsed: Answer['body'] = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // left empty: the shape assertion below fails with the text shown
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, body: parsed };
}

const gqlBody = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
  JSON.stringify({ query, variables, operationName });

/** The shape every refusal has: JSON, one or more errors with a message and a code, nothing internal. */
function expectCleanRefusal(answer: Answer, status: number, code: string, message: RegExp): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.contentType).toMatch(/^application\/(graphql-response\+)?json/);
  expect(answer.body.data ?? undefined).toBeUndefined();
  expect(answer.body.errors?.length, answer.text).toBeGreaterThan(0);
  expect(answer.body.errors![0].extensions?.code).toBe(code);
  expect(answer.body.errors![0].message).toMatch(message);
  // No HTML page, stack frame, file path or module name.
  expect(answer.text).not.toMatch(/<html|<pre>|\bat \S+ \(|node_modules|\/work\/|\.ts:\d|\.js:\d|Error: .*\n\s+at /i);
}

const deepQuery = `{ groups(first: 1) { edges { node { members(first: 1) { edges { node { memberships { group { members(first: 1) { edges { node { memberships { group { name } } } } } } } } } } } } } }`;
// Three nested connections of 100: about 3 million objects (auth/cost.ts counts the objects a query may return).
const costlyQuery = `{ groups(first: 100) { edges { node { members(first: 100) { edges { node { staff(first: 100) { edges { node { person { fullName } } } } } } } } } } }`;
const aliasesQuery = `{ ${Array.from({ length: LIMITS.maxAliases + 1 }, (_, i) => `a${i}: schools(first: 1) { totalCount }`).join(' ')} }`;
const typenameAliasesQuery = `{ ${Array.from({ length: 200 }, (_, i) => `t${i}: __typename`).join(' ')} }`;
const directivesQuery = `{ __typename ${'@include(if: true) '.repeat(LIMITS.maxDirectives + 1)} }`;
const tokensQuery = `{ ${'__typename '.repeat(LIMITS.maxTokens + 1)} }`;

/** Each GraphQL-level refusal, by class: what is sent, the code and the message that names it. */
const GRAPHQL_REFUSALS: { name: string; query: string; variables?: Record<string, unknown>; code: string; message: RegExp }[] = [
  { name: 'a syntax error', query: '{ schools( }', code: 'GRAPHQL_PARSE_FAILED', message: /Syntax Error/ },
  { name: 'an unknown field', query: '{ nope }', code: 'GRAPHQL_VALIDATION_FAILED', message: /Cannot query field "nope"/ },
  {
    name: 'a variable of the wrong type',
    query: 'query ($n: Int!) { schools(first: $n) { totalCount } }',
    variables: { n: 'ten' },
    code: 'BAD_USER_INPUT',
    message: /\$n/,
  },
  {
    name: 'a missing required variable',
    query: 'query ($n: Int!) { schools(first: $n) { totalCount } }',
    code: 'BAD_USER_INPUT',
    message: /\$n/,
  },
  { name: 'the token limit', query: tokensQuery, code: 'GRAPHQL_PARSE_FAILED', message: new RegExp(`${LIMITS.maxTokens} tokens`) },
  { name: 'the depth limit', query: deepQuery, code: 'GRAPHQL_VALIDATION_FAILED', message: /depth limit of 12 exceeded, found 14/ },
  { name: 'the cost limit', query: costlyQuery, code: 'GRAPHQL_VALIDATION_FAILED', message: /cost limit of 500000 objects exceeded, found 3030301/ },
  { name: 'the alias limit', query: aliasesQuery, code: 'GRAPHQL_VALIDATION_FAILED', message: /Aliases limit of 15 exceeded, found 16/ },
  {
    name: 'the alias limit, with aliases of __typename',
    query: typenameAliasesQuery,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /Aliases limit of 15 exceeded, found 200/,
  },
  { name: 'the directive limit', query: directivesQuery, code: 'GRAPHQL_VALIDATION_FAILED', message: /Directives limit of 50 exceeded/ },
  {
    name: 'a NUL escaped in a string literal',
    query: '{ schools(first: 1, filter: { nameContains: "a\\u0000b" }) { totalCount } }',
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /NUL character \(U\+0000\)/,
  },
  {
    name: 'a lone surrogate escaped in a string literal',
    query: '{ schools(first: 1, filter: { nameContains: "a\\uD800b" }) { totalCount } }',
    code: 'GRAPHQL_PARSE_FAILED',
    message: /Invalid Unicode escape sequence/,
  },
];

/** Text no field can hold, in every place a request carries strings. */
const NAME_QUERY = 'query ($n: String!) { schools(first: 1, filter: { nameContains: $n }) { totalCount } }';
const TEXT_REFUSALS: { name: string; body: () => string; message: RegExp }[] = [
  { name: 'NUL in a variable', body: () => gqlBody(NAME_QUERY, { n: 'a\u0000b' }), message: /^variables\.n contains a NUL character/ },
  { name: 'a lone high surrogate in a variable', body: () => gqlBody(NAME_QUERY, { n: 'a\uD800b' }), message: /^variables\.n .*lone surrogate \(U\+D800\)/ },
  { name: 'a lone low surrogate in a variable', body: () => gqlBody(NAME_QUERY, { n: 'a\uDC00' }), message: /^variables\.n .*lone surrogate \(U\+DC00\)/ },
  {
    name: 'NUL deep in an input object',
    body: () =>
      gqlBody('mutation ($input: GroupCreateInput!) { groupCreate(input: $input) { group { id } userErrors { message } } }', {
        input: { kind: 'CLUSTER', name: 'Cluster\u0000' },
      }),
    message: /^variables\.input\.name contains a NUL character/,
  },
  { name: 'NUL in a list variable', body: () => gqlBody(NAME_QUERY, { n: 'x', list: ['ok', '\u0000'] }), message: /^variables\.list\[1\] contains a NUL/ },
  { name: 'NUL in a variable name (an object key)', body: () => gqlBody(NAME_QUERY, { n: 'x', ['k\u0000']: 1 }), message: /key in variables contains a NUL/ },
  { name: 'NUL in the operation name', body: () => gqlBody(NAME_QUERY, { n: 'x' }, 'Q\u0000'), message: /^operationName contains a NUL/ },
  { name: 'a raw lone surrogate in the query text', body: () => gqlBody('{ schools(first: 1, filter: { nameContains: "\uD800" }) { totalCount } }'), message: /^query contains a lone surrogate/ },
  { name: 'NUL in extensions', body: () => JSON.stringify({ query: '{ __typename }', extensions: { note: '\u0000' } }), message: /^extensions\.note contains a NUL/ },
];

describe('HTTP: bodies that are not GraphQL requests', () => {
  const cases: { name: string; send: () => Promise<Answer>; status: number; code: string; message: RegExp }[] = [
    { name: 'malformed JSON', send: () => post('{"query": '), status: 400, code: 'BAD_REQUEST', message: /not valid JSON/ },
    { name: 'JSON with a trailing comma', send: () => post('{"query": "{ __typename }",}'), status: 400, code: 'BAD_REQUEST', message: /not valid JSON/ },
    { name: 'a JSON number', send: () => post('5'), status: 400, code: 'BAD_REQUEST', message: /not valid JSON/ },
    { name: 'a JSON string', send: () => post('"{ __typename }"'), status: 400, code: 'BAD_REQUEST', message: /not valid JSON/ },
    { name: 'a JSON array (a batch)', send: () => post('[{"query": "{ __typename }"}]'), status: 400, code: 'BAD_REQUEST', message: /batching/ },
    { name: 'an empty body', send: () => post(''), status: 400, code: 'BAD_REQUEST', message: /body missing/ },
    { name: 'a query that is not a string', send: () => post('{"query": 5}'), status: 400, code: 'BAD_REQUEST', message: /must be strings/ },
    { name: 'variables that are not an object', send: () => post('{"query": "{ __typename }", "variables": 5}'), status: 400, code: 'BAD_REQUEST', message: /variables/ },
    {
      name: 'a body over the limit',
      send: () => post(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(MAX_REQUEST_BYTES + 1) } })),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: /larger than the 5 MB limit/,
    },
    ...['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/graphql', 'text/html'].map(
      (type) => ({
        name: `content type ${type}`,
        send: () => post('{"query": "{ __typename }"}', { 'content-type': type }),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: new RegExp(`application/json \\(found ${type.split(';')[0]}\\)`),
      }),
    ),
    {
      name: 'no content type',
      send: () => post(Buffer.from('{"query": "{ __typename }"}'), {}),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: /none was sent/,
    },
    {
      name: 'a charset other than UTF-8',
      send: () => post('{"query": "{ __typename }"}', { 'content-type': 'application/json; charset=latin1' }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: /UTF-8/,
    },
    {
      name: 'an unsupported content encoding',
      send: () => post('{"query": "{ __typename }"}', { 'content-type': 'application/json', 'content-encoding': 'compress' }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: /content encoding/,
    },
  ];

  it.each(cases)('answers $name with $status $code, as JSON', async ({ send, status, code, message }) => {
    expectCleanRefusal(await send(), status, code, message);
  });

  it('answers a method other than GET and POST with 405, as JSON', async () => {
    const response = await fetch(app.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"query": "{ __typename }"}' });
    const text = await response.text();
    expect(response.status).toBe(405);
    expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});

describe('HTTP: parse, validation, variable and limit errors', () => {
  it.each(GRAPHQL_REFUSALS)('answers $name with 400 $code', async ({ query, variables, code, message }) => {
    expectCleanRefusal(await post(gqlBody(query, variables)), 400, code, message);
  });

  it.each(GRAPHQL_REFUSALS)('answers $name with 400 to a client accepting application/graphql-response+json', async ({ query, variables, code }) => {
    const answer = await post(gqlBody(query, variables), { 'content-type': 'application/json', accept: 'application/graphql-response+json' });
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^application\/graphql-response\+json/);
    expect(answer.body.errors![0].extensions?.code).toBe(code);
  });

  it.each(GRAPHQL_REFUSALS)('answers $name with 200 and the same errors to a legacy client accepting only application/json', async ({ query, variables, code }) => {
    const answer = await post(gqlBody(query, variables), { 'content-type': 'application/json', accept: 'application/json' });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors![0].extensions?.code).toBe(code);
  });

  it('accepts exactly the limits: 15 aliases of __typename, and a valid surrogate pair in text', async () => {
    const fifteen = `{ ${Array.from({ length: LIMITS.maxAliases }, (_, i) => `t${i}: __typename`).join(' ')} }`;
    const ok = await post(gqlBody(fifteen));
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();
    const emoji = await post(gqlBody(NAME_QUERY, { n: 'School \uD83C\uDF33' }));
    expect(emoji.status, emoji.text).toBe(200);
    expect(emoji.body.errors).toBeUndefined();
  });
});

describe('HTTP: text that cannot be stored', () => {
  it.each(TEXT_REFUSALS)('refuses $name with 400 BAD_USER_INPUT naming where', async ({ body, message }) => {
    expectCleanRefusal(await post(body()), 400, 'BAD_USER_INPUT', message);
  });

  it('refuses NUL in a GET query string too', async () => {
    const url = `${app.url}?query=${encodeURIComponent('{ __typename }')}&operationName=${encodeURIComponent('Q\u0000')}`;
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text).errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/operationName contains a NUL/) });
    // Everything after the first "?" is the query string, a second "?" included (as Apollo reads it).
    const hidden = `${app.url}?query=${encodeURIComponent('{ __typename }')}&x=1?&operationName=${encodeURIComponent('Q\u0000')}`;
    const second = await fetch(hidden, { headers: { 'apollo-require-preflight': 'true' } });
    expect(second.status).toBe(400);
    expect(((await second.json()) as any).errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/operationName contains a NUL/) });
  });

  it('writes nothing for a mutation refused for its text', async () => {
    const before = await app.sql<{ n: string }>(`select count(*) as n from school_group`);
    const answer = await post(
      gqlBody('mutation ($input: GroupCreateInput!) { groupCreate(input: $input) { group { id } userErrors { message } } }', {
        input: { kind: 'CLUSTER', name: 'Cluster \uDC00' },
      }),
    );
    expect(answer.status).toBe(400);
    expect(await app.sql(`select count(*) as n from school_group`)).toEqual(before);
  });
});

describe('WebSocket: the same refusals', () => {
  /** Runs one operation over a real graphql-ws connection and returns what came back. */
  async function overWs(query: string, variables?: Record<string, unknown>): Promise<{ errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
    const client = createClient({
      url: wsUrlOf(app.url),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: app.authorization },
    });
    try {
      return await new Promise((resolve, reject) => {
        let last: { errors?: { message: string }[] } = {};
        client.subscribe(
          { query, variables },
          {
            next: (result) => (last = result as typeof last),
            error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
            complete: () => resolve(last),
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }

  it.each(GRAPHQL_REFUSALS)('refuses $name', async ({ query, variables, message }) => {
    const result = await overWs(query, variables);
    expect(result.errors?.map((e) => e.message).join('\n')).toMatch(message);
  });

  // 100 schools supported, each with up to 500 measures: about 100,000 objects an alias.
  const SCHOOL_COST = `supportGiven(first: 100) { edges { node { receiver { measures(limit: 500) { school { name } } } } } }`;
  const SUBSCRIPTION_REFUSALS: { name: string; query: string; message: RegExp }[] = [
    { name: 'a syntax error', query: 'subscription { alertRaised { cursor }', message: /Syntax Error/ },
    { name: 'an unknown field', query: 'subscription { alertRaised { nope } }', message: /Cannot query field "nope"/ },
    { name: 'the token limit', query: `subscription { alertRaised { ${'cursor '.repeat(LIMITS.maxTokens)} } }`, message: /2000 tokens/ },
    {
      name: 'the depth limit',
      query: `subscription { alertRaised { alert { school { memberships { group { members(first: 1) { edges { node { memberships { group { members(first: 1) { edges { node { name } } } } } } } } } } } } } }`,
      message: /depth limit of 12 exceeded/,
    },
    {
      name: 'the cost limit',
      query: `subscription { alertRaised { alert { school { ${Array.from({ length: 8 }, (_, i) => `s${i}: ${SCHOOL_COST}`).join(' ')} } } } }`,
      message: /cost limit of 500000 objects exceeded/,
    },
    {
      name: 'the alias limit with aliases of __typename',
      query: `subscription { alertRaised { ${Array.from({ length: 16 }, (_, i) => `t${i}: __typename`).join(' ')} } }`,
      message: /Aliases limit of 15 exceeded, found 16/,
    },
    { name: 'the directive limit', query: `subscription { alertRaised { cursor ${'@include(if: true) '.repeat(51)} } }`, message: /Directives limit of 50/ },
    {
      name: 'a NUL escaped in a string literal',
      query: 'subscription { alertRaised(since: "\\u0000") { cursor } }',
      message: /NUL character/,
    },
  ];

  it.each(SUBSCRIPTION_REFUSALS)('refuses a subscription over $name', async ({ query, message }) => {
    const result = await overWs(query);
    expect(result.errors?.map((e) => e.message).join('\n')).toMatch(message);
  });

  it.each(TEXT_REFUSALS.filter((c) => !/operation name|query text|extensions/.test(c.name)))('refuses $name', async ({ body, message }) => {
    const { query, variables } = JSON.parse(body());
    const result = await overWs(query, variables);
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(result.errors?.[0].message).toMatch(message);
  });

  /** Opens a raw graphql-transport-ws socket, acknowledged, and returns how the server closes it after `send`. */
  async function closeCodeAfter(send: (socket: WebSocket) => void): Promise<number> {
    const socket = new WebSocket(wsUrlOf(app.url), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: app.authorization } }));
    await new Promise((resolve) => socket.once('message', resolve));
    send(socket);
    return closed;
  }

  it.each([
    { name: 'a message that is not JSON', message: '{"type": "subscribe",', code: 4400 },
    { name: 'a message of an unknown type', message: JSON.stringify({ type: 'hello' }), code: 4400 },
    { name: 'a subscribe whose query is not a string', message: JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 5 } }), code: 4400 },
    { name: 'a subscribe without an id', message: JSON.stringify({ type: 'subscribe', payload: { query: '{ __typename }' } }), code: 4400 },
    {
      name: 'a message over 1 MB',
      message: JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ __typename }', variables: { pad: 'x'.repeat(1024 * 1024) } } }),
      code: 1009,
    },
  ])('closes the socket on $name with $code', async ({ message, code }) => {
    expect(await closeCodeAfter((socket) => socket.send(message))).toBe(code);
  });

  it('answers a query within the limits', async () => {
    const result = (await overWs(`{ ${Array.from({ length: LIMITS.maxAliases }, (_, i) => `t${i}: __typename`).join(' ')} }`)) as {
      data?: Record<string, string>;
      errors?: unknown;
    };
    expect(result.errors).toBeUndefined();
    expect(result.data?.t14).toBe('Query');
  });
});

describe('GraphQL over HTTP conformance (graphql-http serverAudits)', () => {
  it('has no errors and no warnings', async () => {
    const problems: string[] = [];
    for (const audit of serverAudits({ url: app.url, fetchFn: fetch })) {
      const result = await audit.fn();
      if (result.status === 'error' || result.status === 'warn') problems.push(`${audit.id} ${audit.name}: ${result.reason}`);
    }
    expect(problems).toEqual([]);
  });
});
