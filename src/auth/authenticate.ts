import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import type { AuthConfig } from '../config';
import { API_KEY_PREFIX, findApiKey } from './api-keys';
import { AuthenticationFailure, verifyToken } from './tokens';
import { Viewer } from './viewer';

/** The error a refused credential produces: HTTP 401 with a WWW-Authenticate challenge. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: new Map([['www-authenticate', 'Bearer realm="trellis"']]) },
    },
  });
}

/**
 * Turns an Authorization value ("Bearer <JWT>" or "Bearer trellis_<key>") into the Viewer, the same
 * way for HTTP headers and graphql-ws connection_init payloads. No credential: anonymous, unless
 * the server requires authentication. A credential that is present but wrong is always refused,
 * never downgraded to anonymous.
 */
export async function authenticate(em: EntityManager, config: AuthConfig, authorization: unknown): Promise<Viewer> {
  if (authorization == null || authorization === '') {
    if (config.requireAuth) throw unauthenticated('Authentication required: send "Authorization: Bearer <token or API key>".');
    return Viewer.anonymous();
  }
  const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (!match) throw unauthenticated('Authorization must be "Bearer <token or API key>".');
  const credential = match[1];
  if (credential.startsWith(API_KEY_PREFIX)) {
    const key = await findApiKey(em, credential);
    if (!key) throw unauthenticated('The API key is not valid or has been revoked.');
    return Viewer.app(key);
  }
  try {
    return Viewer.person(em, await verifyToken(config, credential));
  } catch (error) {
    if (error instanceof AuthenticationFailure) throw unauthenticated(`The bearer token was refused: ${error.message}`);
    throw error;
  }
}
