import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import type { AuthConfig } from '../config';
import { API_KEY_PREFIX, findApiKey } from './api-keys';
import { AuthenticationFailure, TokenClaims, verifyTokenClaims } from './tokens';
import { knownRecently, rememberKnown, Viewer } from './viewer';

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
 * never downgraded to anonymous: that includes a well-signed token for a person who does not exist.
 */
export async function authenticate(em: EntityManager, config: AuthConfig, authorization: unknown): Promise<Viewer> {
  return (await authenticateCredential(em, config, authorization)).viewer;
}

/** A credential as verified: the viewer, and for a token when it expires (ms since the epoch). */
export interface Authenticated {
  viewer: Viewer;
  expiresAt?: number;
}

/** authenticate, keeping what a long-lived session needs to know about its credential (sessions.ts). */
export async function authenticateCredential(em: EntityManager, config: AuthConfig, authorization: unknown): Promise<Authenticated> {
  if (authorization == null || authorization === '') {
    if (config.requireAuth) throw unauthenticated('Authentication required: send "Authorization: Bearer <token or API key>".');
    return { viewer: Viewer.anonymous() };
  }
  const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (!match) throw unauthenticated('Authorization must be "Bearer <token or API key>".');
  const credential = match[1];
  if (credential.startsWith(API_KEY_PREFIX)) {
    const key = await findApiKey(em, credential);
    if (!key) throw unauthenticated('The API key is not valid or has been revoked.');
    return { viewer: Viewer.app(key) };
  }
  let claims: TokenClaims;
  try {
    claims = await verifyTokenClaims(config, credential);
  } catch (error) {
    if (error instanceof AuthenticationFailure) throw unauthenticated(`The bearer token was refused: ${error.message}`);
    throw error;
  }
  // Cached per person like scopes (auth/viewer.ts): the signature and expiry are still checked every time.
  if (!knownRecently(claims.personId)) {
    const [known] = await em.getConnection().execute(`select 1 from person where id = ?`, [claims.personId]);
    if (!known) throw unauthenticated('The bearer token was refused: it names no known person.');
    rememberKnown(claims.personId);
  }
  return { viewer: Viewer.person(em, claims.personId), expiresAt: claims.expiresAt };
}
