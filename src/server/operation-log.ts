import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Kind, OperationDefinitionNode } from 'graphql';
import type { Context } from '../core/context';
import { logger } from '../logger';
import type { Metrics } from './metrics';

/**
 * One log line per GraphQL operation, and the request metrics.
 *
 * HTTP: an Express middleware gives every request an id (the caller's `x-request-id` when it is a
 * plain token, else a new UUID; echoed in the response) and, when the response is sent, writes one
 * line: request id, operation name and type, duration, status (ok, or error with the error codes),
 * HTTP status and viewer kind (anonymous, person or app). The Apollo plugin fills in what only
 * Apollo knows. A request refused before Apollo runs (a bad credential: 401) still gets its line.
 * WebSocket: one line when each operation ends, with the connection's id.
 * Never logged: tokens, variables, query text, SQL.
 */
interface OperationRecord {
  requestId: string;
  startedAt: number;
  operation?: string;
  type?: string;
  viewer?: string;
  errorCodes: string[];
}

const RECORD = Symbol('trellis.operationRecord');
const recordOf = (context: object) => (context as Record<symbol, OperationRecord | undefined>)[RECORD];
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function newRequestId(given: unknown): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The first step on /graphql (graphql-http.ts): request id, and the operation's log line and metrics on finish. */
export function operationLog(metrics: Metrics) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const record: OperationRecord = { requestId: newRequestId(req.headers['x-request-id']), startedAt: performance.now(), errorCodes: [] };
    (res as ServerResponse & { [RECORD]?: OperationRecord })[RECORD] = record;
    res.setHeader('x-request-id', record.requestId);
    res.on('finish', () => {
      const seconds = (performance.now() - record.startedAt) / 1000;
      if (res.statusCode === 401 && !record.errorCodes.length) record.errorCodes.push('UNAUTHENTICATED');
      if (!record.type && res.statusCode < 400) {
        // Not an operation (the landing page, a CORS preflight): no metrics, a debug line only.
        logger.debug({ requestId: record.requestId, method: req.method, httpStatus: res.statusCode }, 'http request');
        return;
      }
      const operation = metrics.operationLabel(record.operation);
      const type = record.type ?? 'unknown';
      metrics.recordRequest(operation, type, seconds, record.errorCodes);
      logger.info(
        {
          requestId: record.requestId,
          operation,
          type,
          status: record.errorCodes.length || res.statusCode >= 400 ? 'error' : 'ok',
          errors: record.errorCodes.length ? record.errorCodes : undefined,
          httpStatus: res.statusCode,
          durationMs: Math.round(seconds * 10_000) / 10,
          viewer: record.viewer ?? 'anonymous',
        },
        'graphql operation',
      );
    });
    next();
  };
}

/** Ties a request's context to its log record (called by the server's context function). */
export function withOperationRecord<C extends object>(res: ServerResponse, context: C): C {
  const record = recordOf(res);
  // A symbol key, not a WeakMap: Apollo hands plugins a shallow copy of the context object.
  if (record) (context as Record<symbol, unknown>)[RECORD] = record;
  return context;
}

/** The request id of the request a context belongs to (for log lines inside resolvers). */
export function requestIdOf(context: object): string | undefined {
  return recordOf(context)?.requestId;
}

/** Fills each HTTP operation's record with its name, type, viewer kind and error codes. */
export function operationLogPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const record = recordOf(contextValue);
      if (!record) return;
      record.viewer = contextValue.viewer?.kind;
      return {
        async didResolveOperation({ operation, operationName }) {
          record.operation = operationName ?? operation?.name?.value;
          record.type = operation?.operation;
        },
        async willSendResponse({ response, request, operationName, document }) {
          // An operation that failed validation never resolved: name it from the parsed document.
          const definition = document?.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
          record.operation ??= operationName ?? request.operationName ?? definition?.name?.value;
          record.type ??= definition?.operation ?? 'unknown';
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          for (const error of errors ?? []) record.errorCodes.push(String(error.extensions?.code ?? 'UNKNOWN'));
        },
      };
    },
  };
}

/** Start times of WebSocket operations, per connection, for their log line when they end. */
export class WebSocketOperationLog {
  private readonly connections = new WeakMap<
    object,
    { connectionId: string; operations: Map<string, { name: string; startedAt: number }> }
  >();

  constructor(private readonly metrics: Metrics) {}

  private connection(ctx: object) {
    let connection = this.connections.get(ctx);
    if (!connection) this.connections.set(ctx, (connection = { connectionId: randomUUID(), operations: new Map() }));
    return connection;
  }

  started(ctx: object, id: string, payload: { query?: string; operationName?: string | null }): void {
    const name = this.metrics.operationLabel(
      payload.operationName ?? /^\s*(?:subscription|query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(payload.query ?? '')?.[1],
    );
    this.metrics.subscriptionsStarted.inc({ operation: name });
    this.connection(ctx).operations.set(id, { name, startedAt: performance.now() });
  }

  finished(ctx: object, id: string, viewer: string | undefined, errorCodes: string[] = []): void {
    const connection = this.connection(ctx);
    const operation = connection.operations.get(id);
    if (!operation) return;
    connection.operations.delete(id);
    for (const code of errorCodes) this.metrics.errors.inc({ code });
    logger.info(
      {
        requestId: connection.connectionId,
        operation: operation.name,
        type: 'subscription',
        transport: 'websocket',
        status: errorCodes.length ? 'error' : 'ok',
        errors: errorCodes.length ? errorCodes : undefined,
        durationMs: Math.round(performance.now() - operation.startedAt),
        viewer: viewer ?? 'anonymous',
      },
      'graphql operation',
    );
  }
}
