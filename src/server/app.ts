import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AlertFeed } from '../alerts/alert-feed';
import { operationKey, subscribeShared } from '../alerts/shared-execution';
import { scheduleSweep } from '../alerts/sweep';
import { unwrapResolverError } from '@apollo/server/errors';
import { authenticate } from '../auth/authenticate';
import { apolloLimits, validateWithLimits } from '../auth/limits';
import type { Viewer } from '../auth/viewer';
import { AuthConfig, loadAuthConfig } from '../config';
import { GraphQLError } from 'graphql';
import { logger } from '../logger';
import { Context, createContext } from '../core/context';
import { instrumentationPlugins } from './instrumentation';
import { trellisSchema } from './schema';

export interface TrellisServer {
  httpServer: http.Server;
  url: string;
  /** This instance's reader of the alert log, fanning events out to subscriptions. */
  alertFeed: AlertFeed;
  close(): Promise<void>;
}

export interface ServerOptions {
  orm: MikroORM;
  port: number;
  host?: string;
  production?: boolean;
  /** How often to evaluate time-based trigger rules (ms); 0 turns the sweep off. Default TRELLIS_SWEEP_INTERVAL_MS or one hour. */
  sweepIntervalMs?: number;
  /** How callers are authenticated; defaults to the environment's (TRELLIS_JWT_SECRET, TRELLIS_REQUIRE_AUTH, ...). */
  auth?: AuthConfig;
}

/**
 * Bound on a request body. Queries are tiny; the largest legitimate body is a year's data drop sent
 * with measuresRecordBulk: 5 MB carries about 60,000 values (6,000 schools x 10 metrics). England-sized
 * drops go through `trellis evidence measures-csv`.
 */
export const MAX_REQUEST_BYTES = 5 * 1024 * 1024;

/** HTTP and WebSocket (graphql-ws subscriptions) on one port and path: /graphql. */
export async function startServer(options: ServerOptions): Promise<TrellisServer> {
  const schema = await trellisSchema();
  const app = express();
  const httpServer = http.createServer(app);

  const auth = options.auth ?? loadAuthConfig();
  const limits = apolloLimits(Boolean(options.production));
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: !options.production,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // Stack traces belong in the logs, not in responses, in every environment.
    includeStacktraceInErrorResponses: false,
    // Depth, cost, aliases, directives and tokens (auth/limits.ts); no explorer or landing page in production.
    validationRules: limits.validationRules,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ...limits.plugins,
      ...instrumentationPlugins(),
      ...(options.production ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
    formatError: (formatted, error) => {
      const original = unwrapResolverError(error);
      const code = formatted.extensions?.code;
      if (code === 'INTERNAL_SERVER_ERROR') {
        logger.error({ err: original }, 'unexpected error in resolver');
        return { message: 'Internal server error', extensions: { code } };
      }
      return formatted;
    },
  });
  await apollo.start();

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const alertFeed = new AlertFeed(options.orm, { databaseUrl: options.orm.config.get('clientUrl') as string });
  await alertFeed.start();
  const stopSweep = scheduleSweep(options.orm, options.sweepIntervalMs ?? Number(process.env.TRELLIS_SWEEP_INTERVAL_MS ?? 3_600_000));
  // The caller is read from "Authorization: Bearer ..." on HTTP, and from connection_init's payload on WebSocket.
  const context = (viewer?: Viewer) => createContext(options.orm.em, { alertFeed, viewer });
  app.use(
    '/graphql',
    express.json({ limit: MAX_REQUEST_BYTES }),
    expressMiddleware(apollo, {
      context: async ({ req }) => context(await authenticate(options.orm.em, auth, req.headers.authorization)),
    }),
  );
  // Subscriptions: graphql-ws on the same port and path as HTTP.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 1024 * 1024 });
  type Connection = { viewer?: Viewer; operations?: Set<string> };
  const wsCleanup = useServer<Record<string, unknown> | undefined, Connection>(
    {
      schema,
      connectionInitWaitTimeout: 3_000,
      validate: validateWithLimits,
      // A wrong credential, or none where the server requires one: the socket closes with 4403 Forbidden.
      onConnect: async (ctx) => {
        try {
          ctx.extra.viewer = await authenticate(
            options.orm.em,
            auth,
            ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization,
          );
          ctx.extra.operations = new Set();
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: (ctx, id) => {
        const operations = (ctx.extra.operations ??= new Set());
        if (operations.size >= auth.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(`At most ${auth.maxSubscriptionsPerConnection} operations at once on one connection.`, {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            }),
          ];
        }
        operations.add(id);
      },
      onComplete: (ctx, id) => {
        ctx.extra.operations?.delete(id);
      },
      // Subscribers sending the same operation share each event's execution (alerts/shared-execution.ts).
      context: (ctx, _id, payload) => ({ ...context(ctx.extra.viewer), operationKey: operationKey(payload, ctx.extra.viewer) }),
      subscribe: subscribeShared,
    },
    wsServer,
  );

  await new Promise<void>((resolve) => httpServer.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    httpServer,
    url: `http://${options.host && options.host !== '0.0.0.0' ? options.host : 'localhost'}:${port}/graphql`,
    alertFeed,
    close: async () => {
      stopSweep();
      await wsCleanup.dispose();
      await alertFeed.close();
      await apollo.stop();
    },
  };
}
