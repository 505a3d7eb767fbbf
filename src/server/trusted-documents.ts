import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  parse,
  print,
  Source,
  visit,
} from 'graphql';
import { validateWithLimits } from '../auth/limits';
import { HttpStep, sendJson } from './graphql-http';

/**
 * Trusted documents (persisted operations) for partner apps.
 *
 * An app's operations are registered ahead of time from its .graphql files (`trellis documents register`),
 * each stored by the SHA-256 of its text. A request may then name one instead of sending it, either as
 * `documentId: "sha256:<hash>"` (the GraphQL-over-HTTP persisted documents proposal) or as Apollo's
 * `extensions.persistedQuery.sha256Hash`, on POST, GET and graphql-ws subscribe messages.
 *
 * With TRELLIS_TRUSTED_DOCUMENTS=required (a production setting) the server runs nothing else: a request
 * carrying an unregistered text is refused before it is parsed, so a stolen key cannot run a query the
 * app never made. The full text of a registered operation is accepted too (its hash is looked up), for
 * clients that cannot send ids. Apollo's automatic persisted queries, which would let any caller register
 * any text, are off in that mode (app.ts).
 */

export type TrustedDocumentsMode = 'off' | 'required';

/** TRELLIS_TRUSTED_DOCUMENTS: unset or `off` (ids accepted, any text too), or `required` (registered operations only). */
export function trustedDocumentsMode(env: NodeJS.ProcessEnv = process.env): TrustedDocumentsMode {
  const value = (env.TRELLIS_TRUSTED_DOCUMENTS ?? '').trim().toLowerCase();
  if (value === '' || value === 'off') return 'off';
  if (value === 'required') return 'required';
  throw new Error(`TRELLIS_TRUSTED_DOCUMENTS must be "off" or "required", not "${env.TRELLIS_TRUSTED_DOCUMENTS}".`);
}

export function documentHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** A request refused before it runs: the GraphQL error code and the sentence the client reads. */
export class TrustedDocumentRefusal extends Error {
  constructor(
    readonly code: 'TRUSTED_DOCUMENT_REQUIRED' | 'PERSISTED_QUERY_NOT_FOUND' | 'PERSISTED_QUERY_INVALID' | 'PERSISTED_QUERY_MISMATCH',
    message: string,
  ) {
    super(message);
  }

  toGraphQLError(): GraphQLError {
    return new GraphQLError(this.message, { extensions: { code: this.code } });
  }
}

/** The parameters of a GraphQL request that name or carry its operation (HTTP body, GET parameters, graphql-ws payload). */
export interface OperationParams {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

/** How long a found document is trusted without asking the database again: a removal takes effect within this. */
const CACHE_MS = 60_000;

export class TrustedDocuments {
  private readonly cache = new Map<string, { body: string; until: number }>();

  constructor(
    private readonly orm: MikroORM,
    readonly mode: TrustedDocumentsMode,
  ) {}

  async find(hash: string): Promise<string | undefined> {
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.body;
    const [row]: { body: string }[] = await this.orm.em.getConnection().execute(`select body from trusted_document where hash = ?`, [hash]);
    if (!row) {
      this.cache.delete(hash);
      return undefined;
    }
    this.cache.set(hash, { body: row.body, until: Date.now() + CACHE_MS });
    return row.body;
  }

  /**
   * The text to run for a request, or undefined to run what it carries unchanged. Throws a
   * TrustedDocumentRefusal for an unknown or malformed id, an id whose text differs from the one sent,
   * and (mode required) a text that is not registered. `apq` says Apollo's automatic persisted queries
   * may answer an id Trellis does not know (HTTP in mode off).
   */
  async resolve(params: OperationParams, apq: boolean): Promise<string | undefined> {
    const hash = requestedHash(params);
    const query = typeof params.query === 'string' && params.query !== '' ? params.query : undefined;
    if (hash !== undefined) {
      const body = await this.find(hash);
      if (body === undefined) {
        if (apq && this.mode === 'off') return undefined;
        throw new TrustedDocumentRefusal(
          'PERSISTED_QUERY_NOT_FOUND',
          `No operation is registered with id sha256:${hash}; register the app's operations with \`trellis documents register\`.`,
        );
      }
      if (query !== undefined && query !== body) {
        throw new TrustedDocumentRefusal('PERSISTED_QUERY_MISMATCH', `The query sent is not the operation registered as sha256:${hash}.`);
      }
      return body;
    }
    if (this.mode === 'required' && query !== undefined && (await this.find(documentHash(query))) === undefined) {
      throw new TrustedDocumentRefusal(
        'TRUSTED_DOCUMENT_REQUIRED',
        'This server runs only registered operations (trusted documents): send "documentId": "sha256:<hash>" from your manifest (trellis documents register).',
      );
    }
    return undefined;
  }

  /** A step for /graphql (graphql-http.ts), after the JSON body and before Apollo: puts the registered text in the request. */
  http(): HttpStep {
    return async (req, res, next) => {
      try {
        if (req.method === 'POST') {
          const body = req.body as OperationParams | undefined;
          if (!body || typeof body !== 'object' || Array.isArray(body)) return next();
          const text = await this.resolve(body, true);
          if (text !== undefined) {
            body.query = text;
            delete body.documentId;
            const extensions = withoutPersistedQuery(body.extensions);
            if (extensions === undefined) delete body.extensions;
            else body.extensions = extensions;
          }
          return next();
        }
        if (req.method === 'GET') {
          // Apollo reads GET parameters from req.url, so the registered text is written back there.
          const url = new URL(req.url ?? '/', 'http://trellis.invalid');
          const params: OperationParams = {
            query: url.searchParams.get('query') ?? undefined,
            documentId: url.searchParams.get('documentId') ?? undefined,
            extensions: parseJson(url.searchParams.get('extensions')),
          };
          const text = await this.resolve(params, true);
          if (text !== undefined) {
            url.searchParams.set('query', text);
            url.searchParams.delete('documentId');
            const extensions = withoutPersistedQuery(params.extensions);
            if (extensions === undefined) url.searchParams.delete('extensions');
            else url.searchParams.set('extensions', JSON.stringify(extensions));
            req.url = `${url.pathname}${url.search}`;
          }
          return next();
        }
        return next();
      } catch (error) {
        if (!(error instanceof TrustedDocumentRefusal)) return next(error);
        sendJson(res, 400, { errors: [{ message: error.message, extensions: { code: error.code } }] });
      }
    };
  }

  /**
   * For graphql-ws's onSubscribe. graphql-ws requires `query` to be a string, so an app sends "" with the
   * id; the registered text is written into the payload, which graphql-ws then parses and validates, and
   * from which shared execution keys its subscribers, exactly as for a text sent in full.
   */
  async subscribe(payload: OperationParams): Promise<GraphQLError[] | undefined> {
    try {
      const text = await this.resolve(payload, false);
      if (text !== undefined) payload.query = text;
      return undefined;
    } catch (error) {
      if (error instanceof TrustedDocumentRefusal) return [error.toGraphQLError()];
      throw error;
    }
  }
}

/** The hash a request names, from documentId ("sha256:<hex>") or extensions.persistedQuery.sha256Hash; undefined if none. */
function requestedHash(params: OperationParams): string | undefined {
  let id: unknown = params.documentId;
  if (id === undefined) {
    const persisted = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
    if (persisted === undefined || persisted === null) return undefined;
    id = typeof persisted === 'object' ? persisted.sha256Hash : undefined;
  }
  const match = typeof id === 'string' ? /^(?:sha256:)?([0-9a-f]{64})$/.exec(id) : null;
  if (!match) {
    throw new TrustedDocumentRefusal(
      'PERSISTED_QUERY_INVALID',
      `A document id is "sha256:" followed by 64 lower-case hex digits (got ${JSON.stringify(id)}).`,
    );
  }
  return match[1];
}

function withoutPersistedQuery(extensions: unknown): Record<string, unknown> | undefined {
  if (!extensions || typeof extensions !== 'object') return undefined;
  const { persistedQuery: _dropped, ...rest } = extensions as Record<string, unknown>;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // Apollo reports the malformed parameter itself.
  }
}

// ----- Registering an app's operations -----

/** One operation of an Apollo persisted query manifest, the format Apollo Client and GraphQL Codegen read. */
export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

/** A .graphql file, or every .graphql / .gql file under a folder. */
function graphqlFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const given of paths) {
    if (!fs.existsSync(given)) throw new Error(`${given}: no such file or folder.`);
    if (fs.statSync(given).isDirectory()) {
      for (const entry of fs.readdirSync(given, { recursive: true, encoding: 'utf8' }).sort()) {
        if (/\.(graphql|gql)$/.test(entry)) files.push(path.join(given, entry));
      }
    } else {
      files.push(given);
    }
  }
  if (files.length === 0) throw new Error(`no .graphql files in ${paths.join(', ') || '(nothing given)'}.`);
  return files;
}

function where(file: string, node: { loc?: { startToken: { line: number } } }): string {
  return `${file}:${node.loc?.startToken.line ?? 1}`;
}

/**
 * Reads an app's operations from .graphql files and builds their manifest: each named operation with
 * the fragments it uses (from any of the files), printed by graphql-js so the text is canonical, and
 * checked against the schema and the server's limits. Throws one error listing every problem, by file
 * and line, so an app is registered whole or not at all.
 */
export function buildManifest(schema: GraphQLSchema, paths: string[]): PersistedQueryManifest {
  const problems: string[] = [];
  const fragments = new Map<string, { node: FragmentDefinitionNode; file: string }>();
  const operations: { node: OperationDefinitionNode; file: string }[] = [];
  for (const file of graphqlFiles(paths)) {
    let document: DocumentNode;
    try {
      document = parse(new Source(fs.readFileSync(file, 'utf8'), file));
    } catch (error) {
      const located = error as GraphQLError;
      problems.push(`${file}:${located.locations?.[0]?.line ?? 1}: ${located.message}`);
      continue;
    }
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        const earlier = fragments.get(definition.name.value);
        if (earlier)
          problems.push(
            `${where(file, definition)}: fragment ${definition.name.value} is also defined at ${where(earlier.file, earlier.node)}.`,
          );
        else fragments.set(definition.name.value, { node: definition, file });
      } else if (definition.kind === Kind.OPERATION_DEFINITION) {
        if (!definition.name)
          problems.push(`${where(file, definition)}: give the ${definition.operation} a name (the manifest lists operations by name).`);
        else operations.push({ node: definition, file });
      } else {
        problems.push(`${where(file, definition)}: only operations and fragments can be registered, not ${definition.kind}.`);
      }
    }
  }

  const names = new Map<string, string>();
  const manifest: ManifestOperation[] = [];
  for (const { node, file } of operations) {
    const name = node.name!.value;
    const earlier = names.get(name);
    if (earlier) {
      problems.push(`${where(file, node)}: operation ${name} is also defined at ${earlier}.`);
      continue;
    }
    names.set(name, where(file, node));
    // The fragments this operation uses, directly or through other fragments.
    const used = new Map<string, FragmentDefinitionNode>();
    const queue: (OperationDefinitionNode | FragmentDefinitionNode)[] = [node];
    while (queue.length > 0) {
      visit(queue.pop()!, {
        FragmentSpread(spread) {
          const fragment = fragments.get(spread.name.value);
          if (fragment && !used.has(spread.name.value)) {
            used.set(spread.name.value, fragment.node);
            queue.push(fragment.node);
          }
        },
      });
    }
    const document: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [node, ...[...used.keys()].sort().map((key) => used.get(key)!)],
    };
    const errors = validateWithLimits(schema, document);
    if (errors.length > 0) {
      for (const error of errors) problems.push(`${where(file, node)}: ${name}: ${error.message}`);
      continue;
    }
    const body = print(document);
    manifest.push({ id: documentHash(body), name, type: node.operation as ManifestOperation['type'], body });
  }
  if (problems.length > 0) throw new Error(`nothing was registered; fix these and run it again:\n  ${problems.join('\n  ')}`);
  if (manifest.length === 0) throw new Error(`no operations in ${paths.join(', ')}.`);
  return { format: 'apollo-persisted-query-manifest', version: 1, operations: manifest };
}

/** Stores a manifest's operations for an app, in one transaction; returns how many were new. */
export async function registerManifest(
  orm: MikroORM,
  client: string,
  manifest: PersistedQueryManifest,
): Promise<{ registered: number; new: number }> {
  let created = 0;
  await orm.em.fork().transactional(async (em) => {
    for (const operation of manifest.operations) {
      const [row]: { inserted: boolean }[] = await em.getConnection().execute(
        `insert into trusted_document (hash, body, operation_name, operation_type, clients) values (?, ?, ?, ?, array[?]::text[])
         on conflict (hash) do update
           set clients = (select array_agg(distinct c order by c) from unnest(trusted_document.clients || excluded.clients) c)
         returning (xmax = 0) as inserted`,
        [operation.id, operation.body, operation.name, operation.type, client],
        'all',
        em.getTransactionContext(),
      );
      if (row.inserted) created += 1;
    }
  });
  return { registered: manifest.operations.length, new: created };
}

export const DOCUMENTS_USAGE = `documents register --client NAME FILE|FOLDER...
                     register an app's operations (trusted documents) from its .graphql files; prints the
                     manifest (Apollo persisted query format: id = SHA-256 of each operation's text)
  documents list     list registered operations: id, name, type, clients, when`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** The `documents` command. Returns what to print on stdout; `note` receives a line for stderr. */
export async function runDocumentsCommand(
  orm: MikroORM,
  schema: GraphQLSchema,
  args: string[],
  note: (line: string) => void,
): Promise<string> {
  const [action, ...rest] = args;
  if (action === 'register') {
    const client = option(rest, 'client');
    if (!client) throw new Error('name the app the operations belong to with --client NAME.');
    const files = rest.filter((arg, i) => !arg.startsWith('--client') && rest[i - 1] !== '--client');
    const manifest = buildManifest(schema, files);
    const counts = await registerManifest(orm, client, manifest);
    note(`Registered ${counts.registered} operations for ${client} (${counts.new} new).`);
    return JSON.stringify(manifest, null, 2);
  }
  if (action === 'list') {
    const rows = await orm.em
      .getConnection()
      .execute(
        `select 'sha256:' || hash as id, operation_name as name, operation_type as type, clients, registered_at from trusted_document order by operation_name, hash`,
      );
    return JSON.stringify(rows, null, 2);
  }
  throw new Error(`unknown documents command ${JSON.stringify(action ?? '')}; use documents register or documents list.`);
}
