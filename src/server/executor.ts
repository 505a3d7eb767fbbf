import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import {
  DocumentNode,
  execute,
  getNamedType,
  getVariableValues,
  GraphQLError,
  GraphQLSchema,
  isInputObjectType,
  OperationDefinitionNode,
  printSchema,
  typeFromAST,
  visit,
  BREAK,
} from 'graphql';
import type { ExecutionResult } from 'graphql';
import { compileQuery, CompiledQuery, isCompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

type GatewayInterface = ApolloServerOptionsWithGateway<object>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;

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

/** For tests that compare the two executors on one server: off runs graphql-js behind the same gateway. */
export function setCompiledExecution(on: boolean): void {
  compiling = on;
}

const INTERPRET = 'interpret';

/** Distinct documents kept compiled; partner apps send a handful, the explorer a few hundred at most. */
const COMPILED_DOCUMENTS = 1_000;

/**
 * graphql-jit as Apollo Server's executor. Apollo 5 has no executor option; its gateway interface is
 * the supported way to hand it one (it still parses, validates, applies the limits and plugins, and
 * formats errors; only execution is ours). Documents arrive here already validated against the schema
 * and the query limits, so compiling them is safe; the cache is keyed by Apollo's hash of the text.
 */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  // Per distinct document: its compiled function, or INTERPRET when graphql-js must run it (decided once).
  const compiled = new LRUCache<string, CompiledQuery | typeof INTERPRET>({ max: COMPILED_DOCUMENTS });
  const interpret: GatewayExecutor = async ({ document, context, operationName, request }) =>
    execute({ schema, document, contextValue: context, variableValues: request.variables, operationName });
  const executor: GatewayExecutor = async (request) => {
    if (!compiling) return interpret(request);
    const key = `${request.queryHash}:${request.operationName ?? ''}`;
    let query = compiled.get(key);
    if (!query) {
      const result = compilable(schema, request.document, request.operation)
        ? compileQuery(schema, request.document, request.operationName ?? undefined)
        : INTERPRET;
      // Not compiled: the errors graphql-js would give (e.g. an unknown operation name).
      if (result !== INTERPRET && !isCompiledQuery(result)) return result;
      query = result;
      compiled.set(key, query);
    }
    if (query === INTERPRET) return interpret(request);
    const variables = request.request.variables ?? {};
    // Variables are checked by graphql-js first, so a wrong or missing one is reported exactly as
    // without the compiler (Apollo recognises those errors and answers 400 BAD_USER_INPUT).
    const checked = getVariableValues(schema, request.operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
    if (checked.errors) return { errors: checked.errors };
    return withGraphQLErrors(await query.query(undefined, request.context, variables));
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    async load() {
      return { executor };
    },
    async stop() {
      compiled.clear();
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
 * graphql-jit builds some errors (e.g. a null for a non-null field) without `extensions`, which
 * Apollo's error formatting reads: each becomes a graphql-js GraphQLError with the same message,
 * locations, path and cause.
 */
function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  const errors = result.errors.map((error) =>
    error.extensions
      ? error
      : new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError }),
  );
  return { ...result, errors };
}
