import { ApolloServerOptions, ApolloServerPlugin, BaseContext, GraphQLRequestContextResponseForOperation, GraphQLResponse, HeaderMap } from '@apollo/server';
import {
  DocumentNode,
  getNamedType,
  getVariableValues,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLSchema,
  isInputObjectType,
  OperationDefinitionNode,
  typeFromAST,
  visit,
  BREAK,
} from 'graphql';
import { compileQuery, CompiledQuery, isCompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

/**
 * Which executor runs queries and mutations over HTTP: `jit` (default) compiles each distinct
 * document once with graphql-jit and reuses the compiled function; `graphql-js` is graphql-js's own
 * interpreter, kept as the reference (`TRELLIS_EXECUTOR=graphql-js`). Subscriptions over graphql-ws
 * always run on graphql-js.
 */
export type ExecutorKind = 'jit' | 'graphql-js';

export function executorKind(env: NodeJS.ProcessEnv = process.env): ExecutorKind {
  const value = env.TRELLIS_EXECUTOR ?? 'jit';
  if (value !== 'jit' && value !== 'graphql-js') throw new Error(`TRELLIS_EXECUTOR must be jit or graphql-js, not ${JSON.stringify(value)}`);
  return value;
}

let compiling = true;

/** For tests that compare the two executors on one server: off leaves every operation to graphql-js. */
export function setCompiledExecution(on: boolean): void {
  compiling = on;
}

const INTERPRET = 'interpret';

let compiledAnswers = 0;

/** How many answers compiled code has given in this process: the tests' proof that the plugin is in use. */
export const compiledAnswerCount = (): number => compiledAnswers;

/** Distinct documents kept compiled; partner apps send a handful, the explorer a few hundred at most. */
const COMPILED_DOCUMENTS = 1_000;

/**
 * graphql-jit as Apollo Server's executor, through the `responseForOperation` hook: Apollo still
 * parses, validates (with the query limits), resolves the operation and runs every other plugin; for
 * a compilable query this plugin executes it and hands Apollo the answer, and Apollo skips its own
 * execution. Documents arrive here validated, so compiling them is safe; the cache is keyed by
 * Apollo's hash of the text.
 *
 * Errors are formatted as Apollo formats an execution's (`formatErrors`): the server's own
 * `formatError`, a default code of INTERNAL_SERVER_ERROR, and an `extensions.http` status or headers
 * moved onto the response. What graphql-js reports before execution (an unknown operation, a wrong
 * variable) is left to Apollo and graphql-js: the plugin returns null for those.
 *
 * Why not Apollo's gateway interface, which this used to be: Apollo builds each gateway request's
 * context with an object literal holding a getter and setter (`response.http.status`), and V8 then
 * kept every such request (its context, its rows, its answer) alive through minor collections until
 * a full one. Measured with `--trace-gc-nvp` on `{ __typename }`: 7 KB promoted to the old space per
 * request through the gateway, 1 KB through this hook (BENCHMARKS.md, sixth pass).
 */
export function compiledExecution(
  schema: GraphQLSchema,
  formatError: NonNullable<ApolloServerOptions<BaseContext>['formatError']>,
): ApolloServerPlugin<BaseContext> {
  // Per distinct document: its compiled function, or INTERPRET when graphql-js must run it (decided once).
  const compiled = new LRUCache<string, CompiledQuery | typeof INTERPRET>({ max: COMPILED_DOCUMENTS });
  const respond = async (request: GraphQLRequestContextResponseForOperation<BaseContext>): Promise<GraphQLResponse | null> => {
    if (!compiling || !request.queryHash) return null;
    const key = `${request.queryHash}:${request.operationName ?? ''}`;
    let query = compiled.get(key);
    if (!query) {
      const result = compilable(schema, request.document, request.operation)
        ? compileQuery(schema, request.document, request.operationName ?? undefined)
        : INTERPRET;
      // Not compiled (an unknown operation name, say): graphql-js reports it.
      if (result !== INTERPRET && !isCompiledQuery(result)) return null;
      query = result;
      compiled.set(key, query);
    }
    if (query === INTERPRET) return null;
    const variables = request.request.variables ?? {};
    // Variables are checked by graphql-js first: a wrong or missing one is left to graphql-js, which
    // reports it as without the compiler (400 BAD_USER_INPUT) before reading anything.
    const checked = getVariableValues(schema, request.operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
    if (checked.errors) return null;
    const result = await query.query(undefined, request.contextValue, variables);
    compiledAnswers += 1;
    const http = { status: undefined as number | undefined, headers: new HeaderMap() };
    if (!result.errors?.length) return { http, body: { kind: 'single', singleResult: { data: result.data } } };
    const errors = result.errors.map((error) => formatted(asGraphQLError(error), formatError, http));
    return { http, body: { kind: 'single', singleResult: { data: result.data, errors } } };
  };
  const listener = { responseForOperation: respond };
  return {
    async requestDidStart() {
      return listener;
    },
    async serverWillStart() {
      return {
        async serverWillStop() {
          compiled.clear();
        },
      };
    },
  };
}

/**
 * What the compiler runs: reads only, and only where no input object is involved. graphql-jit
 * coerces input objects its own way (a non-null field with a default is reported missing, where
 * graphql-js fills in the default), so mutations (all take `input:`) and any query with an input
 * object, as a variable or written in the document, run on graphql-js. Reads of large trees, where
 * the compiler pays, take IDs, numbers, enums and strings.
 */
export function compilable(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): boolean {
  if (operation.operation !== 'query') return false;
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    if (!type || isInputObjectType(getNamedType(type))) return false;
  }
  let objectLiteral = false;
  visit(document, {
    ObjectValue() {
      objectLiteral = true;
      return BREAK;
    },
  });
  return !objectLiteral;
}

/**
 * graphql-jit builds some errors (a null for a non-null field, say) with its own class and without
 * `extensions`: each becomes a graphql-js GraphQLError with the same message, locations, path and cause.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  if (error instanceof GraphQLError && error.extensions) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/** One execution error as Apollo formats it (its `normalizeAndFormatErrors`, without stack traces, which Trellis never sends). */
function formatted(
  error: GraphQLError,
  formatError: NonNullable<ApolloServerOptions<BaseContext>['formatError']>,
  http: { status: number | undefined; headers: HeaderMap },
): GraphQLFormattedError {
  const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
  const head = extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
  if (head && typeof head === 'object') {
    if (head.status !== undefined) http.status = head.status;
    for (const [name, value] of head.headers ?? []) http.headers.set(name, value);
    delete extensions.http;
  }
  try {
    return formatError({ ...error.toJSON(), extensions }, error);
  } catch {
    return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
}
