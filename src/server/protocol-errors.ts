import type { ApolloServerPlugin } from '@apollo/server';
import type { ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import express from 'express';
import typeis from 'type-is';
import { DocumentNode, ExecutionArgs, GraphQLError, GraphQLSchema, parse } from 'graphql';
import { PARSE_OPTIONS, validateWithLimits } from '../auth/limits';
import { findUnsafeText } from '../core/text';
import { logger } from '../logger';
import { HttpStep, searchOf, sendJson } from './graphql-http';

/*
 * How Trellis answers a request that is not a well-formed GraphQL request, before and around Apollo:
 * always a GraphQL-shaped JSON body ({ errors: [{ message, extensions: { code } }] }) with a 4xx status,
 * never Express's HTML page, a stack trace or a file path.
 *
 *   wrong or missing content type on POST  415 UNSUPPORTED_MEDIA_TYPE
 *   body that is not JSON (or not an object)  400 BAD_REQUEST
 *   body over the size limit               413 PAYLOAD_TOO_LARGE
 *   NUL or a lone surrogate in any string  400 BAD_USER_INPUT (PostgreSQL text cannot hold NUL; a lone
 *                                          surrogate is not Unicode and would be stored as U+FFFD)
 *   parse, validation, limit, variables    400 (Apollo), see `requestErrorStatusPlugin` for legacy clients
 *
 * Over WebSocket, `prepareWsOperation` applies the same text check, token limit and validation rules
 * to each subscribe message; refusals arrive as that operation's `error` message.
 */

/** Sends one GraphQL-shaped error with an HTTP status. */
function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/**
 * Steps for POST/GET /graphql (graphql-http.ts), in order: content type, JSON body with its limit, and
 * the text check. Replaces a bare express.json() so that every refusal is GraphQL-shaped.
 */
export function httpProtocol(maxBytes: number): HttpStep[] {
  // body-parser's json(), as Express exports it; it runs on Node's own request.
  const json = express.json({ limit: maxBytes });
  const contentType: HttpStep = (req, res, next) => {
    if (req.method !== 'POST' || typeis(req, ['application/json'])) return next();
    const found = req.headers['content-type'];
    sendError(
      res,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Send GraphQL requests as JSON: content-type: application/json (${found ? `found ${found.split(';')[0]}` : 'none was sent'}).`,
    );
  };
  const body: HttpStep = (req, res, next) =>
    json(req as never, res as never, (error?: unknown) => {
      if (!error) return next();
      const { type } = error as { type?: string };
      if (type === 'entity.too.large')
        return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the ${megabytes(maxBytes)} limit.`);
      if (type === 'entity.parse.failed')
        return sendError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON: send a JSON object such as {"query": "{ __typename }"}.');
      if (type === 'charset.unsupported' || type === 'encoding.unsupported')
        return sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as UTF-8 JSON, without a content encoding.');
      next(error);
    });
  const text: HttpStep = (req, res, next) => {
    // GET parameters as Express 5's default ("simple") query parser read them, and Apollo after it.
    const found = findUnsafeText(req.method === 'POST' ? req.body : parseQueryString(searchOf(req.url).slice(1)));
    if (found) return sendError(res, 400, 'BAD_USER_INPUT', found);
    next();
  };
  return [contentType, body, text];
}

/** The last handler on /graphql: anything unexpected is logged and answered without details. */
export function protocolErrorHandler(error: unknown, res: ServerResponse): void {
  // Too late for an answer once it has begun: end the connection rather than append to it.
  if (res.headersSent) {
    logger.error({ err: error }, 'unexpected error after answering a GraphQL request');
    res.destroy();
    return;
  }
  const status = Number((error as { status?: number }).status);
  if (status >= 400 && status < 500) return sendError(res, status, 'BAD_REQUEST', 'The request could not be read.');
  logger.error({ err: error }, 'unexpected error handling a GraphQL request');
  sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
}

/** Errors that mean the request itself was not a runnable GraphQL operation. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE']);

/**
 * Parse, validation, limit and variable errors answer 400, so a caller (curl, fetch, any client that
 * accepts application/graphql-response+json or anything) sees at once that the request was wrong.
 * A legacy client whose Accept names application/json but not application/graphql-response+json gets
 * 200 with the same body, as the GraphQL-over-HTTP spec asks (such clients may not read a 4xx body).
 */
export function requestErrorStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ request, response }) {
          if (response.http.status !== 400 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (result.data !== undefined || !result.errors?.length) return;
          if (!result.errors.every((e) => REQUEST_ERROR_CODES.has(String(e.extensions?.code)))) return;
          const accept = request.http?.headers.get('accept') ?? '';
          if (/application\/json/i.test(accept) && !/application\/graphql-response\+json/i.test(accept)) response.http.status = 200;
        },
      };
    },
  };
}

/**
 * A graphql-ws subscribe message checked as an HTTP request is: no NUL or lone surrogate anywhere,
 * the token limit while parsing, then the validation rules with every limit. Returns the errors to
 * send back, or the arguments to run it with.
 */
export function prepareWsOperation(
  schema: GraphQLSchema,
  payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null; extensions?: unknown },
): readonly GraphQLError[] | ExecutionArgs {
  const unsafe = findUnsafeText(payload);
  if (unsafe) return [new GraphQLError(unsafe, { extensions: { code: 'BAD_USER_INPUT' } })];
  let document: DocumentNode;
  try {
    document = parse(payload.query, PARSE_OPTIONS);
  } catch (error) {
    if (error instanceof GraphQLError) return [new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    throw error;
  }
  const errors = validateWithLimits(schema, document);
  if (errors.length) return errors;
  return { schema, document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined };
}
