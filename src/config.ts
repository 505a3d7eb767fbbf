import path from 'node:path';

/** Everything Trellis reads from the environment, in one place. */
export interface Config {
  /** PostgreSQL to use. When unset, an embedded PostgreSQL is started with its data in `dataDir`. */
  databaseUrl: string | undefined;
  /** Folder (git-ignored) for the embedded PostgreSQL's data. */
  dataDir: string;
  /** Port of the embedded PostgreSQL (not 5432, which a system server may hold). */
  embeddedPort: number;
  port: number;
  host: string;
  logLevel: string;
  production: boolean;
  /** Who may call and how callers prove who they are (src/auth). */
  auth: AuthConfig;
}

/** How callers are authenticated (see README, "Who may see and do what"). */
export interface AuthConfig {
  /** HS256 secret that signs and verifies bearer tokens (TRELLIS_JWT_SECRET). */
  jwtSecret?: string;
  /** PEM public key (SPKI) to verify tokens signed elsewhere (TRELLIS_JWT_PUBLIC_KEY), with TRELLIS_JWT_ALG. */
  jwtPublicKey?: string;
  jwtAlgorithm: string;
  jwtIssuer: string;
  jwtAudience: string;
  /** When true, anonymous requests and WebSocket connections are refused (TRELLIS_REQUIRE_AUTH). */
  requireAuth: boolean;
  /** Most subscriptions one WebSocket connection may hold at once. */
  maxSubscriptionsPerConnection: number;
}

/** Signs development tokens when no secret is configured; never accepted in production. */
export const DEVELOPMENT_JWT_SECRET = 'trellis-development-secret-not-for-production';

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const production = env.NODE_ENV === 'production';
  const publicKey = env.TRELLIS_JWT_PUBLIC_KEY || undefined;
  return {
    jwtSecret: env.TRELLIS_JWT_SECRET || (production || publicKey ? undefined : DEVELOPMENT_JWT_SECRET),
    jwtPublicKey: publicKey?.replace(/\\n/g, '\n'),
    jwtAlgorithm: env.TRELLIS_JWT_ALG ?? (publicKey ? 'RS256' : 'HS256'),
    jwtIssuer: env.TRELLIS_JWT_ISSUER ?? 'trellis',
    jwtAudience: env.TRELLIS_JWT_AUDIENCE ?? 'trellis',
    requireAuth: /^(1|true|yes)$/i.test(env.TRELLIS_REQUIRE_AUTH ?? ''),
    maxSubscriptionsPerConnection: Number(env.TRELLIS_MAX_SUBSCRIPTIONS_PER_CONNECTION ?? 20),
  };
}

export const projectRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(projectRoot, env.TRELLIS_DATA_DIR ?? '.data/postgres'),
    embeddedPort: Number(env.TRELLIS_EMBEDDED_PG_PORT ?? 54329),
    port: Number(env.PORT ?? 4000),
    host: env.HOST ?? '0.0.0.0',
    logLevel: env.LOG_LEVEL ?? 'info',
    production: env.NODE_ENV === 'production',
    auth: loadAuthConfig(env),
  };
}
