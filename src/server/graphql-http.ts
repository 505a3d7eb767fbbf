import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, BaseContext, HeaderMap } from '@apollo/server';

/** A request on /graphql once its body is read (body-parser's json() sets `body`). */
export interface GraphQLHttpRequest extends IncomingMessage {
  body?: unknown;
}

/** One step before Apollo, Connect-style, so that body-parser's json() is one as it is. */
export type HttpStep = (req: GraphQLHttpRequest, res: ServerResponse, next: (error?: unknown) => void) => void;

/** The path Express's `app.use('/graphql')` matched: /graphql and below it, in any case. */
const GRAPHQL_PATH = /^\/graphql(?:[/?#]|$)/i;

export const isGraphQLPath = (url: string | undefined): boolean => GRAPHQL_PATH.test(url ?? '');

/** A request's query string: everything after the first "?" (a later "?" included), as Apollo reads it; '' when none. */
export function searchOf(url: string | undefined): string {
  const at = url?.indexOf('?') ?? -1;
  return at < 0 ? '' : url!.slice(at);
}

/**
 * HTTP on /graphql, on Node's own request and response rather than Express's.
 *
 * Why: Express re-parents every request and response onto its app's prototypes
 * (`Object.setPrototypeOf`), and V8 then kept each request's objects alive through the next minor
 * collection, so they were promoted and lived on until a full one. Measured
 * with `--trace-gc-nvp` on `{ __typename }`: an Express app promoted about 7 KB per request where the
 * same handler on Node's http promoted none, and peak RSS went from 69 to 160 MB
 * (BENCHMARKS.md, sixth pass). Express keeps the other routes (health, metrics, analytics, explorer).
 *
 * The steps run in order (operation log, content type, body, text check, trusted documents), then
 * Apollo answers; a step that answers itself does not call next. What @as-integrations/express5 did
 * is the last part, without Express's response helpers: no ETag is computed over each answer.
 */
export function graphqlHttp<C extends BaseContext>(
  apollo: ApolloServer<C>,
  options: {
    steps: HttpStep[];
    context: (req: GraphQLHttpRequest, res: ServerResponse) => Promise<C>;
    /** Anything a step passes on or throws, and any failure answering. */
    onError: (error: unknown, res: ServerResponse) => void;
  },
): (req: IncomingMessage, res: ServerResponse) => void {
  const { steps, context, onError } = options;
  return (req: GraphQLHttpRequest, res) => {
    let at = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined) return onError(error, res);
      const step = steps[at++];
      if (!step) {
        answer(apollo, req, res, context).catch((failure) => onError(failure, res));
        return;
      }
      try {
        step(req, res, next);
      } catch (failure) {
        onError(failure, res);
      }
    };
    next();
  };
}

async function answer<C extends BaseContext>(
  apollo: ApolloServer<C>,
  req: GraphQLHttpRequest,
  res: ServerResponse,
  context: (req: GraphQLHttpRequest, res: ServerResponse) => Promise<C>,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: searchOf(req.url), body: req.body },
    context: () => context(req, res),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** A JSON answer with a status, for the steps' own refusals. */
export function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}
