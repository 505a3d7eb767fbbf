import { createSecretKey, KeyObject } from 'node:crypto';
import { importSPKI, jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';

type VerifyKey = Awaited<ReturnType<typeof importSPKI>> | KeyObject;
import type { AuthConfig } from '../config';
import { fromGlobalId, toGlobalId } from '../core/node';

/** Why a bearer token was refused, in words a client developer can act on. */
export class AuthenticationFailure extends Error {}

let publicKey: Promise<VerifyKey> | undefined;
let publicKeyPem: string | undefined;

async function verificationKey(config: AuthConfig): Promise<VerifyKey> {
  if (config.jwtPublicKey) {
    if (publicKeyPem !== config.jwtPublicKey) {
      publicKeyPem = config.jwtPublicKey;
      publicKey = importSPKI(config.jwtPublicKey, config.jwtAlgorithm);
    }
    return publicKey!;
  }
  if (config.jwtSecret) return createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
  throw new AuthenticationFailure('bearer tokens are not accepted: the server has no TRELLIS_JWT_SECRET or TRELLIS_JWT_PUBLIC_KEY.');
}

/** The person a token's `sub` names: a Person global ID, or a plain database id. */
export function personIdOf(subject: string | undefined): number | undefined {
  if (!subject) return undefined;
  if (/^[1-9][0-9]{0,9}$/.test(subject)) return Number(subject);
  const parsed = fromGlobalId(subject);
  return parsed?.typeName === 'Person' ? parsed.id : undefined;
}

/** Verifies signature, algorithm, issuer, audience and expiry (an `exp` is required); returns the person's id. */
export async function verifyToken(config: AuthConfig, token: string): Promise<number> {
  return (await verifyTokenClaims(config, token)).personId;
}

/** What a verified token says: whose it is and until when (ms since the epoch) it holds. */
export interface TokenClaims {
  personId: number;
  expiresAt: number;
}

/** verifyToken, keeping the expiry: a WebSocket opened with the token is closed when it runs out. */
export async function verifyTokenClaims(config: AuthConfig, token: string): Promise<TokenClaims> {
  let accepted = verified.get(config);
  if (!accepted) verified.set(config, (accepted = new LRUCache({ max: 10_000 })));
  const known = accepted.get(token);
  if (known && known.expiresAt > Date.now()) return known;
  const claims = await verifyAfresh(config, token);
  accepted.set(token, claims);
  return claims;
}

/**
 * Tokens already verified, by their exact text, per configuration: a client sends the same token with
 * every request, and checking its signature was a few percent of a small request's CPU. An entry
 * holds only until the token's own expiry (checked on every use); a refused token is never kept, so
 * every refusal is decided afresh.
 */
const verified = new WeakMap<AuthConfig, LRUCache<string, TokenClaims>>();

async function verifyAfresh(config: AuthConfig, token: string): Promise<TokenClaims> {
  const key = await verificationKey(config);
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [config.jwtPublicKey ? config.jwtAlgorithm : 'HS256'],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      requiredClaims: ['exp', 'sub'],
    });
    const personId = personIdOf(payload.sub);
    if (personId === undefined) throw new AuthenticationFailure('the token does not name a person (sub).');
    return { personId, expiresAt: payload.exp! * 1000 };
  } catch (error) {
    if (error instanceof AuthenticationFailure) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new AuthenticationFailure('the token has expired.');
    if (error instanceof joseErrors.JWTClaimValidationFailed)
      throw new AuthenticationFailure(`the token's ${error.claim} claim is not accepted.`);
    throw new AuthenticationFailure('the token is not valid (bad signature, algorithm or format).');
  }
}

/** Signs a token for a person with the configured secret (the development `token` command and the tests). */
export async function signToken(
  config: Pick<AuthConfig, 'jwtSecret' | 'jwtIssuer' | 'jwtAudience'>,
  personId: number,
  options: { expiresIn?: string | number; secret?: string } = {},
): Promise<string> {
  const secret = options.secret ?? config.jwtSecret;
  if (!secret) throw new Error('TRELLIS_JWT_SECRET is not set: tokens cannot be signed here.');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(toGlobalId('Person', personId))
    .setIssuer(config.jwtIssuer)
    .setAudience(config.jwtAudience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(createSecretKey(Buffer.from(secret, 'utf8')));
}
