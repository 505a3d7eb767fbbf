import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AlertFeed } from '../alerts/alert-feed';
import { scheduleSweep } from '../alerts/sweep';
import { unwrapResolverError } from '@apollo/server/errors';
import { logger } from '../logger';
import { Context, createContext } from './context';
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
}

/** HTTP and WebSocket (graphql-ws subscriptions) on one port and path: /graphql. */
export async function startServer(options: ServerOptions): Promise<TrellisServer> {
  const schema = await trellisSchema();
  const app = express();
  const httpServer = http.createServer(app);

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: !options.production,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer })],
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
  const context = () => createContext(options.orm.em, { alertFeed });
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo, { context: async () => context() }));
  // Subscriptions: graphql-ws on the same port and path as HTTP.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsCleanup = useServer({ schema, context }, wsServer);

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
