import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AlertFeed } from '../alerts/alert-feed';
import { analyticsRouter } from '../analytics/map.router';
import { operationKey, subscribeShared } from '../alerts/shared-execution';
import { scheduleSweep } from '../alerts/sweep';
import { scheduleBandRefresh } from '../analytics/bands.service';
import { unwrapResolverError } from '@apollo/server/errors';
import { authenticate, authenticateCredential } from '../auth/authenticate';
import { apolloLimits } from '../auth/limits';
import { Session, SessionRegistry } from '../auth/sessions';
import type { Viewer } from '../auth/viewer';
import { AuthConfig, loadAuthConfig } from '../config';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { logger } from '../logger';
import { Context, createContext } from '../core/context';
import { instrumentationPlugins } from './instrumentation';
import { httpProtocol, prepareWsOperation, protocolErrorHandler, requestErrorStatusPlugin } from './protocol-errors';
import { compiledExecution, executorKind } from './executor';
import { trellisSchema } from './schema';
import { healthRoutes, HealthState } from './health';
import { Metrics } from './metrics';
import { operationLog, operationLogPlugin, WebSocketOperationLog, withOperationRecord } from './operation-log';
import { listen } from './shutdown';
import { mountExplorer, wantsHtml } from './explorer';
import { graphqlHttp, isGraphQLPath } from './graphql-http';
import { TrustedDocuments, trustedDocumentsMode, type TrustedDocumentsMode } from './trusted-documents';

export interface TrellisServer {
  httpServer: http.Server;
  url: string;
  /** This instance's reader of the alert log, fanning events out to subscriptions. */
  alertFeed: AlertFeed;
  /** This server's Prometheus metrics (served at /metrics). */
  metrics: Metrics;
  /** Stops gracefully: /readyz says draining, no new connections, requests in flight finish, sockets close with 1001. */
  close(): Promise<void>;
}

export interface ServerOptions {
  orm: MikroORM;
  port: number;
  host?: string;
  production?: boolean;
  /** How often to evaluate time-based trigger rules (ms); 0 turns the sweep off. Default TRELLIS_SWEEP_INTERVAL_MS or one hour. */
  sweepIntervalMs?: number;
  /** How often to check whether the day has turned and performance bands need recomputing (ms); 0 turns it off. Default one minute. */
  bandRefreshIntervalMs?: number;
  /** `required`: run only registered operations (trusted-documents.ts). Default TRELLIS_TRUSTED_DOCUMENTS, else off. */
  trustedDocuments?: TrustedDocumentsMode;
  /** How callers are authenticated; defaults to the environment's (TRELLIS_JWT_SECRET, TRELLIS_REQUIRE_AUTH, ...). */
  auth?: AuthConfig;
  /** Also export Node's process metrics (CPU, memory, event loop) at /metrics; the CLI's server does. */
  processMetrics?: boolean;
}

/**
 * Bound on a request body. Queries are tiny; the largest legitimate body is a year's data drop sent
 * with measuresRecordBulk: 5 MB carries about 60,000 values (6,000 schools x 10 metrics). England-sized
 * drops go through `trellis evidence measures-csv`.
 */
export const MAX_REQUEST_BYTES = 5 * 1024 * 1024;

/** What a caller sees of an error: anything unexpected is logged and reported without its details. */
const formatError = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
  const code = formatted.extensions?.code;
  if (code === 'INTERNAL_SERVER_ERROR') {
    logger.error({ err: unwrapResolverError(error) }, 'unexpected error in resolver');
    return { message: 'Internal server error', extensions: { code } };
  }
  return formatted;
};

/** HTTP and WebSocket (graphql-ws subscriptions) on one port and path: /graphql. */
export async function startServer(options: ServerOptions): Promise<TrellisServer> {
  const schema = await trellisSchema();
  const app = express();
  // /graphql is answered on Node's own request and response (graphql-http.ts), the rest by Express;
  // set once Apollo has started, below.
  let graphql: http.RequestListener | undefined;
  const production = Boolean(options.production);
  const httpServer = http.createServer((req, res) => {
    if (graphql && isGraphQLPath(req.url) && (production || !wantsHtml(req))) graphql(req, res);
    else app(req, res);
  });

  const auth = options.auth ?? loadAuthConfig();
  const metrics = new Metrics({ processMetrics: options.processMetrics });
  const health: HealthState = { draining: false };
  const limits = apolloLimits(production);
  const trustedDocuments = new TrustedDocuments(options.orm, options.trustedDocuments ?? trustedDocumentsMode());
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: !production,
    allowBatchedHttpRequests: false,
    // Signals are ours (server/shutdown.ts): Apollo's own handler would stop it too and then re-send the
    // signal to the process, which our handler takes for a second Ctrl-C and exits 1.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    // Automatic persisted queries let any caller register any text: off when only trusted documents may run.
    ...(trustedDocuments.mode === 'required' ? { persistedQueries: false as const } : {}),
    // Stack traces belong in the logs, not in responses, in every environment.
    includeStacktraceInErrorResponses: false,
    // Depth, cost, aliases, directives and tokens (auth/limits.ts).
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    // Apollo's landing page loads Sandbox from a CDN; Trellis serves its own explorer (explorer.ts) instead.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      operationLogPlugin(),
      ...limits.plugins,
      ...instrumentationPlugins(),
      requestErrorStatusPlugin(),
      // graphql-jit runs each distinct query compiled once (executor.ts); graphql-js stays the reference.
      ...(executorKind() === 'jit' ? [compiledExecution(schema, formatError)] : []),
      ApolloServerPluginLandingPageDisabled(),
    ],
    formatError,
  });
  await apollo.start();

  // WebSocket sessions end when their credentials stop holding, and are re-checked before each delivery (auth/sessions.ts).
  const sessions = new SessionRegistry(options.orm.em);
  const alertFeed = new AlertFeed(options.orm, {
    databaseUrl: options.orm.config.get('clientUrl') as string,
    observer: metrics.alertObserver(),
    beforeDelivery: () => sessions.verify(),
    onAccessChanged: () => void sessions.verify().catch((err) => logger.warn({ err }, 'session check failed')),
  });
  healthRoutes(app, { orm: options.orm, alertFeed, state: health });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // The analytics map page and its GeoJSON export (public aggregate data).
  app.use('/analytics', analyticsRouter(options.orm));
  await alertFeed.start();
  sessions.start();
  const stopSweep = scheduleSweep(options.orm, options.sweepIntervalMs ?? Number(process.env.TRELLIS_SWEEP_INTERVAL_MS ?? 3_600_000));
  // Bands' evidence windows move with the calendar: recomputed within a minute of the day turning, never by a read.
  const stopBandRefresh = scheduleBandRefresh(options.orm, options.bandRefreshIntervalMs ?? 60_000);
  // The caller is read from "Authorization: Bearer ..." on HTTP, and from connection_init's payload on WebSocket.
  const context = (viewer?: Viewer, session?: Session) => createContext(options.orm.em, { alertFeed, viewer, session });
  // GraphiQL at / and at GET /graphql for browsers, in development only.
  if (!production) mountExplorer(app);
  graphql = graphqlHttp(apollo, {
    steps: [
      operationLog(metrics),
      // Bad bodies, content types and text answer GraphQL-shaped 4xx errors (protocol-errors.ts).
      ...httpProtocol(MAX_REQUEST_BYTES),
      trustedDocuments.http(),
    ],
    context: async (req, res) => withOperationRecord(res, context(await authenticate(options.orm.em, auth, req.headers.authorization))),
    onError: protocolErrorHandler,
  });
  // Subscriptions: graphql-ws on the same port and path as HTTP.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 1024 * 1024 });
  type Connection = { viewer?: Viewer; session?: Session; operations?: Set<string> };
  const wsOperations = new WebSocketOperationLog(metrics);
  const connections = new Set<{ subscriptions: Record<string, unknown> }>();
  metrics.watch({
    orm: options.orm,
    alertFeed,
    openSockets: () => wsServer.clients.size,
    activeSubscriptions: () => [...connections].reduce((sum, ctx) => sum + Object.keys(ctx.subscriptions).length, 0),
  });
  const wsCleanup = useServer<Record<string, unknown> | undefined, Connection>(
    {
      schema,
      connectionInitWaitTimeout: 3_000,
      // A wrong credential, or none where the server requires one: the socket closes with 4403 Forbidden.
      onConnect: async (ctx) => {
        try {
          const { viewer, expiresAt } = await authenticateCredential(
            options.orm.em,
            auth,
            ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization,
          );
          ctx.extra.viewer = viewer;
          if (viewer.kind !== 'anonymous') ctx.extra.session = sessions.open(viewer, expiresAt, (code, reason) => ctx.extra.socket.close(code, reason));
          ctx.extra.operations = new Set();
          connections.add(ctx);
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const refused = await trustedDocuments.subscribe(payload);
        if (refused) return refused;
        const operations = (ctx.extra.operations ??= new Set());
        if (operations.size >= auth.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(`At most ${auth.maxSubscriptionsPerConnection} operations at once on one connection.`, {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            }),
          ];
        }
        operations.add(id);
        wsOperations.started(ctx, id, payload);
        // The same text check, token limit and validation rules as on HTTP.
        const prepared = prepareWsOperation(schema, payload);
        if (Array.isArray(prepared)) operations.delete(id);
        return prepared;
      },
      onComplete: (ctx, id) => {
        ctx.extra.operations?.delete(id);
        wsOperations.finished(ctx, id, ctx.extra.viewer?.kind);
      },
      onError: (ctx, id, _payload, errors) => {
        wsOperations.finished(
          ctx,
          id,
          ctx.extra.viewer?.kind,
          errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')),
        );
      },
      onClose: (ctx) => {
        connections.delete(ctx);
        sessions.close(ctx.extra.session);
      },
      // Subscribers sending the same operation share each event's execution (alerts/shared-execution.ts).
      context: (ctx, _id, payload) => ({
        ...context(ctx.extra.viewer, ctx.extra.session),
        operationKey: operationKey(payload, ctx.extra.viewer),
      }),
      subscribe: subscribeShared,
    },
    wsServer,
  );

  const close = async () => {
    health.draining = true;
    stopSweep();
    await stopBandRefresh();
    sessions.stop();
    // Stop accepting; HTTP requests in flight finish (Apollo's drain plugin) while sockets close with 1001.
    await Promise.all([apollo.stop(), wsCleanup.dispose()]);
    await alertFeed.close();
  };
  try {
    await listen(httpServer, options.port, options.host ?? '127.0.0.1');
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    httpServer,
    url: `http://${options.host && options.host !== '0.0.0.0' ? options.host : 'localhost'}:${port}/graphql`,
    alertFeed,
    metrics,
    close,
  };
}
