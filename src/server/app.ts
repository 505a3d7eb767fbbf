import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { unwrapResolverError } from '@apollo/server/errors';
import { logger } from '../logger';
import { Context, createContext } from './context';
import { trellisSchema } from './schema';

export interface TrellisServer {
  httpServer: http.Server;
  url: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  orm: MikroORM;
  port: number;
  host?: string;
  production?: boolean;
}

/** HTTP (and, later, WebSocket) on one port and path: /graphql. */
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
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo, { context: async () => createContext(options.orm.em) }));

  await new Promise<void>((resolve) => httpServer.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    httpServer,
    url: `http://${options.host && options.host !== '0.0.0.0' ? options.host : 'localhost'}:${port}/graphql`,
    close: () => apollo.stop(),
  };
}
