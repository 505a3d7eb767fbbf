import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connected, insertSchools, recordMeasure, wsClient } from './alert-fixtures';
import { startTestApp, wsUrlOf, type TestApp } from './helpers';
import { trellisSchema } from '../src/server/schema';
import {
  buildManifest,
  documentHash,
  registerManifest,
  runDocumentsCommand,
  trustedDocumentsMode,
  type PersistedQueryManifest,
} from '../src/server/trusted-documents';

/** An app's operations as its developers keep them: .graphql files, a fragment in a file of its own. */
const APP_FILES: Record<string, string> = {
  'fragments/school.graphql': `fragment SchoolCard on School { urn name }`,
  'schools.graphql': `# The hub dashboard's school lookups
query SchoolByUrn($urn: Int!) { school(urn: $urn) { ...SchoolCard } }
query SchoolCount { schools(first: 1) { totalCount } }`,
  'alerts.graphql': `subscription HubAlerts { alertRaised { kind alert { severity school { ...SchoolCard } } } }`,
};

function writeFiles(files: Record<string, string>): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-documents-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    fs.writeFileSync(path.join(folder, name), text);
  }
  return folder;
}

function idOf(manifest: PersistedQueryManifest, name: string): string {
  const operation = manifest.operations.find((o) => o.name === name);
  if (!operation) throw new Error(`no ${name} in the manifest`);
  return operation.id;
}

async function post(app: TestApp, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: app.authorization! },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('registering an app operations from .graphql files', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('builds a manifest of each named operation with the fragments it uses, id = SHA-256 of its canonical text', async () => {
    const manifest = buildManifest(await trellisSchema(), [writeFiles(APP_FILES)]);
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.operations.map((o) => [o.name, o.type]).sort()).toEqual([
      ['HubAlerts', 'subscription'],
      ['SchoolByUrn', 'query'],
      ['SchoolCount', 'query'],
    ]);
    for (const operation of manifest.operations) expect(operation.id).toBe(documentHash(operation.body));
    const byUrn = manifest.operations.find((o) => o.name === 'SchoolByUrn')!;
    expect(byUrn.body).toContain('fragment SchoolCard on School');
    expect(manifest.operations.find((o) => o.name === 'SchoolCount')!.body).not.toContain('fragment');
  });

  it('stores them in one transaction, and registering again (or from another app) adds no copy', async () => {
    const schema = await trellisSchema();
    const folder = writeFiles(APP_FILES);
    const notes: string[] = [];
    const printed = JSON.parse(
      await runDocumentsCommand(app.orm, schema, ['register', '--client', 'Hub dashboard', folder], (l) => notes.push(l)),
    );
    expect(printed.operations).toHaveLength(3);
    expect(notes).toEqual(['Registered 3 operations for Hub dashboard (3 new).']);
    await runDocumentsCommand(
      app.orm,
      schema,
      ['register', '--client=Parent app', path.join(folder, 'schools.graphql'), path.join(folder, 'fragments')],
      (l) => notes.push(l),
    );
    expect(notes[1]).toBe('Registered 2 operations for Parent app (0 new).');
    const rows = await app.sql<{ operation_name: string; clients: string[] }>(
      `select operation_name, clients from trusted_document order by operation_name`,
    );
    expect(rows).toEqual([
      { operation_name: 'HubAlerts', clients: ['Hub dashboard'] },
      { operation_name: 'SchoolByUrn', clients: ['Hub dashboard', 'Parent app'] },
      { operation_name: 'SchoolCount', clients: ['Hub dashboard', 'Parent app'] },
    ]);
    const listed = JSON.parse(await runDocumentsCommand(app.orm, schema, ['list'], () => undefined));
    expect(listed.map((r: { id: string }) => r.id)).toContain(`sha256:${idOf(printed, 'SchoolCount')}`);
  });

  // Every kind of bad input: the error names the file and line, and nothing is written.
  const bad: [string, Record<string, string>, RegExp][] = [
    ['a syntax error', { 'a.graphql': `query Broken { schools(first: 1) { totalCount }` }, /a\.graphql:1: Syntax Error/],
    [
      'an anonymous operation',
      { 'a.graphql': `query Named { __typename }\n{ schools(first: 1) { totalCount } }` },
      /a\.graphql:2: give the query a name/,
    ],
    [
      'a field the schema does not have',
      { 'a.graphql': `query Wrong { schools(first: 1) { totalCountt } }` },
      /a\.graphql:1: Wrong: Cannot query field "totalCountt"/,
    ],
    [
      'a missing fragment',
      { 'a.graphql': `query Orphan { schools(first: 1) { edges { node { ...Missing } } } }` },
      /a\.graphql:1: Orphan: Unknown fragment "Missing"/,
    ],
    [
      'an operation name used twice',
      { 'a.graphql': `query Same { __typename }`, 'b.graphql': `query Same { __typename }` },
      /b\.graphql:1: operation Same is also defined at .*a\.graphql:1/,
    ],
    [
      'a fragment name used twice',
      { 'a.graphql': `fragment F on School { urn }\nquery A { school(urn: 1) { ...F } }`, 'b.graphql': `fragment F on School { name }` },
      /b\.graphql:1: fragment F is also defined/,
    ],
    ['a schema definition', { 'a.graphql': `type Extra { id: ID }` }, /only operations and fragments can be registered/],
    [
      'an operation over the depth limit',
      {
        'a.graphql': `query Deep { schools(first: 1) { edges { node { groups(first: 1) { edges { node { members(first: 1) { edges { node { groups(first: 1) { edges { node { name } } } } } } } } } } } } }`,
      },
      /Deep: .*depth/i,
    ],
  ];
  for (const [kind, files, message] of bad) {
    it(`refuses ${kind}, naming where, and registers nothing from any file`, async () => {
      const folder = writeFiles({ ...files, 'good.graphql': `query GoodOne { schools(first: 2) { totalCount } }` });
      const before = await app.sql(`select hash from trusted_document`);
      await expect(
        runDocumentsCommand(app.orm, await trellisSchema(), ['register', '--client', 'X', folder], () => undefined),
      ).rejects.toThrow(message);
      expect(await app.sql(`select hash from trusted_document`)).toEqual(before);
    });
  }

  it('names a missing file, an empty folder and a missing --client', async () => {
    const schema = await trellisSchema();
    await expect(
      runDocumentsCommand(app.orm, schema, ['register', '--client', 'X', '/nowhere/app.graphql'], () => undefined),
    ).rejects.toThrow('/nowhere/app.graphql: no such file or folder.');
    await expect(runDocumentsCommand(app.orm, schema, ['register', '--client', 'X', writeFiles({})], () => undefined)).rejects.toThrow(
      /no \.graphql files/,
    );
    await expect(runDocumentsCommand(app.orm, schema, ['register', writeFiles(APP_FILES)], () => undefined)).rejects.toThrow(
      /--client NAME/,
    );
  });
});

describe('a server that runs only trusted documents', () => {
  let app: TestApp;
  let open: TestApp;
  let manifest: PersistedQueryManifest;

  beforeAll(async () => {
    [app, open] = await Promise.all([startTestApp({ trustedDocuments: 'required' }), startTestApp()]);
    manifest = buildManifest(await trellisSchema(), [writeFiles(APP_FILES)]);
    await registerManifest(app.orm, 'Hub dashboard', manifest);
    await registerManifest(open.orm, 'Hub dashboard', manifest);
    await insertSchools(app, 2, 940001);
  });
  afterAll(async () => {
    await Promise.all([app?.close(), open?.close()]);
  });

  it('runs a registered operation named by documentId, by Apollo persistedQuery hash, or sent as its exact text', async () => {
    const id = idOf(manifest, 'SchoolByUrn');
    const expected = { data: { school: { urn: 940001, name: 'School 940001' } } };
    expect((await post(app, { documentId: `sha256:${id}`, variables: { urn: 940001 } })).json).toEqual(expected);
    expect((await post(app, { extensions: { persistedQuery: { version: 1, sha256Hash: id } }, variables: { urn: 940001 } })).json).toEqual(
      expected,
    );
    const body = manifest.operations.find((o) => o.name === 'SchoolByUrn')!.body;
    expect((await post(app, { query: body, variables: { urn: 940001 } })).json).toEqual(expected);
  });

  it('runs a registered operation by GET, with its variables', async () => {
    const id = idOf(manifest, 'SchoolByUrn');
    for (const params of [
      `documentId=sha256:${id}&variables=${encodeURIComponent('{"urn":940002}')}`,
      `extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: id } }))}&variables=${encodeURIComponent('{"urn":940002}')}`,
    ]) {
      const response = await fetch(`${app.url}?${params}`, { headers: { 'apollo-require-preflight': 'true' } });
      expect(await response.json(), params).toEqual({ data: { school: { urn: 940002, name: 'School 940002' } } });
    }
  });

  it('refuses any other text before running it: nothing is read or written', async () => {
    const groupsBefore = await app.sql(`select count(*)::int as n from school_group`);
    for (const query of [
      `mutation { groupCreate(input: { name: "Not allowed", kind: CLUSTER }) { group { id } userErrors { message } } }`,
      `{ schools(first: 100) { edges { node { urn name } } } }`,
      `query SchoolCount { schools(first: 1) { totalCount } }`, // registered, but not in this exact (canonical) text
    ]) {
      const { status, json } = await post(app, { query });
      expect(status, query).toBe(400);
      expect(json.errors[0].extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
      expect(json.errors[0].message).toMatch(/only registered operations.*documentId/);
      expect(json.data).toBeUndefined();
    }
    expect(await app.sql(`select count(*)::int as n from school_group`)).toEqual(groupsBefore);
  });

  it('refuses an unknown id, a malformed id, an id with a different text, and Apollo automatic persisted query registration', async () => {
    const unknown = 'a'.repeat(64);
    const cases: [Record<string, unknown>, string][] = [
      [{ documentId: `sha256:${unknown}` }, 'PERSISTED_QUERY_NOT_FOUND'],
      [{ extensions: { persistedQuery: { version: 1, sha256Hash: unknown } } }, 'PERSISTED_QUERY_NOT_FOUND'],
      [{ documentId: 'md5:abc' }, 'PERSISTED_QUERY_INVALID'],
      [{ documentId: 42 }, 'PERSISTED_QUERY_INVALID'],
      [{ extensions: { persistedQuery: { version: 1 } } }, 'PERSISTED_QUERY_INVALID'],
      [{ documentId: `sha256:${idOf(manifest, 'SchoolCount')}`, query: '{ __typename }' }, 'PERSISTED_QUERY_MISMATCH'],
      // APQ's second step: a new text with its own hash, which would register it.
      [
        { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: documentHash('{ __typename }') } } },
        'PERSISTED_QUERY_NOT_FOUND',
      ],
    ];
    for (const [body, code] of cases) {
      const { status, json } = await post(app, body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json.errors[0].extensions.code, JSON.stringify(body)).toBe(code);
    }
    // The APQ attempt registered nothing: the text is still refused.
    expect((await post(app, { query: '{ __typename }' })).json.errors[0].extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
  });

  it('runs a registered subscription named by id over graphql-ws, and refuses an unregistered one', async () => {
    const [schoolId] = await insertSchools(app, 1, 940101);
    const client = wsClient(wsUrlOf(app.url));
    const registered = client.iterate({
      query: '',
      extensions: { persistedQuery: { version: 1, sha256Hash: idOf(manifest, 'HubAlerts') } },
    });
    const refused = collect(client, `subscription { alertRaised { kind } }`);
    await connected(client);
    const next = registered.next();
    await recordMeasure(app.orm, schoolId, 20); // as measureRecord does (this server would refuse the unregistered mutation)
    const event = (await next).value as { data: { alertRaised: { kind: string; alert: { school: { urn: number } } } } };
    expect(event.data.alertRaised).toMatchObject({ kind: 'RAISED', alert: { school: { urn: 940101 } } });
    expect(JSON.stringify(refused.errors)).toContain('only registered operations');
    expect(refused.events).toEqual([]);
    await registered.return?.(undefined);
    await client.dispose();
  });

  it('when not required, still runs any text, and registered operations by id', async () => {
    expect((await post(open, { query: '{ __typename }' })).json).toEqual({ data: { __typename: 'Query' } });
    expect((await post(open, { documentId: `sha256:${idOf(manifest, 'SchoolCount')}` })).json).toEqual({
      data: { schools: { totalCount: 0 } },
    });
  });

  it('reads its mode from TRELLIS_TRUSTED_DOCUMENTS and names a bad value', () => {
    expect(trustedDocumentsMode({})).toBe('off');
    expect(trustedDocumentsMode({ TRELLIS_TRUSTED_DOCUMENTS: 'required' })).toBe('required');
    expect(() => trustedDocumentsMode({ TRELLIS_TRUSTED_DOCUMENTS: 'yes' })).toThrow(
      'TRELLIS_TRUSTED_DOCUMENTS must be "off" or "required", not "yes".',
    );
  });
});
