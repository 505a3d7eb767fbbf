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
  const problems = configProblems(env);
  if (problems.length) throw new ConfigError(problems);
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

/** Bad configuration: one sentence per bad variable, naming it, its value and what it takes. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const JWT_ALGORITHMS = ['HS256', 'RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/**
 * Every problem with the environment, checked before anything starts, so an operator fixes them all
 * in one go instead of meeting a NaN port or an unsigned token later.
 */
export function configProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  const wholeNumber = (name: string, min: number, max: number, what: string) => {
    const value = env[name];
    if (value === undefined || value === '') return;
    if (!/^[0-9]+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
      problems.push(`${name} is "${value}": set it to ${what}.`);
    }
  };
  wholeNumber('PORT', 0, 65535, 'a port number from 1 to 65535 (0 picks a free one)');
  wholeNumber('TRELLIS_EMBEDDED_PG_PORT', 1, 65535, 'a port number from 1 to 65535');
  wholeNumber('TRELLIS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 1, 10_000, 'a whole number from 1 to 10000');
  wholeNumber('TRELLIS_SWEEP_INTERVAL_MS', 0, 2_147_483_647, 'a whole number of milliseconds (0 turns the sweep off)');
  wholeNumber('TRELLIS_SHUTDOWN_TIMEOUT_MS', 0, 600_000, 'a whole number of milliseconds up to 600000');
  if (env.DATABASE_URL) {
    let url: URL | undefined;
    try {
      url = new URL(env.DATABASE_URL);
    } catch {
      url = undefined;
    }
    if (!url || !['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname) {
      problems.push(
        `DATABASE_URL is not a PostgreSQL URL: write it as postgres://user:password@host:5432/database, or unset it to use the embedded PostgreSQL.`,
      );
    }
  }
  if (env.LOG_LEVEL && !LOG_LEVELS.includes(env.LOG_LEVEL)) {
    problems.push(`LOG_LEVEL is "${env.LOG_LEVEL}": set it to one of ${LOG_LEVELS.join(', ')}.`);
  }
  if (env.NODE_ENV && !['production', 'development', 'test'].includes(env.NODE_ENV)) {
    problems.push(`NODE_ENV is "${env.NODE_ENV}": set it to production, development or test, or leave it unset.`);
  }
  if (env.TRELLIS_REQUIRE_AUTH && !/^(1|0|true|false|yes|no)$/i.test(env.TRELLIS_REQUIRE_AUTH)) {
    problems.push(`TRELLIS_REQUIRE_AUTH is "${env.TRELLIS_REQUIRE_AUTH}": set it to true or false.`);
  }
  if (env.TRELLIS_EXECUTOR && !['jit', 'graphql-js'].includes(env.TRELLIS_EXECUTOR)) {
    problems.push(`TRELLIS_EXECUTOR is "${env.TRELLIS_EXECUTOR}": set it to jit or graphql-js, or leave it unset (jit).`);
  }
  if (env.TRELLIS_PREFETCH && !['on', 'off'].includes(env.TRELLIS_PREFETCH)) {
    problems.push(`TRELLIS_PREFETCH is "${env.TRELLIS_PREFETCH}": set it to on or off, or leave it unset (on).`);
  }
  if (env.TRELLIS_JWT_ALG && !JWT_ALGORITHMS.includes(env.TRELLIS_JWT_ALG)) {
    problems.push(`TRELLIS_JWT_ALG is "${env.TRELLIS_JWT_ALG}": set it to one of ${JWT_ALGORITHMS.join(', ')}.`);
  }
  if (
    env.TRELLIS_JWT_ALG &&
    JWT_ALGORITHMS.includes(env.TRELLIS_JWT_ALG) &&
    !env.TRELLIS_JWT_ALG.startsWith('HS') &&
    !env.TRELLIS_JWT_PUBLIC_KEY
  ) {
    problems.push(
      `TRELLIS_JWT_ALG is ${env.TRELLIS_JWT_ALG} but TRELLIS_JWT_PUBLIC_KEY is not set: give the PEM public key that verifies such tokens.`,
    );
  }
  if (env.TRELLIS_JWT_PUBLIC_KEY && !env.TRELLIS_JWT_PUBLIC_KEY.includes('-----BEGIN PUBLIC KEY-----')) {
    problems.push('TRELLIS_JWT_PUBLIC_KEY is not a PEM public key: it must start with -----BEGIN PUBLIC KEY-----.');
  }
  const secret = env.TRELLIS_JWT_SECRET;
  if (production) {
    if (!secret && !env.TRELLIS_JWT_PUBLIC_KEY) {
      problems.push(
        'NODE_ENV is production but neither TRELLIS_JWT_SECRET nor TRELLIS_JWT_PUBLIC_KEY is set: set one, or no token can be verified.',
      );
    }
    if (secret === DEVELOPMENT_JWT_SECRET) {
      problems.push(
        'TRELLIS_JWT_SECRET is the published development secret: in production set a secret of your own (at least 32 characters).',
      );
    } else if (secret && secret.length < 32) {
      problems.push(
        `TRELLIS_JWT_SECRET has ${secret.length} characters: in production use at least 32 random characters (e.g. openssl rand -base64 48).`,
      );
    }
  }
  return problems;
}
