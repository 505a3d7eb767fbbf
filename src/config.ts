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
  };
}
