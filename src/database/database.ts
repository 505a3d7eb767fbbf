import type { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import type { Config } from '../config';
import { logger } from '../logger';
import { EmbeddedDatabase, startEmbeddedPostgres, withDatabase } from './embedded';
import { migrate, openOrm, OrmSettings } from './orm';

export interface Database {
  orm: MikroORM;
  url: string;
  close(): Promise<void>;
}

/** Creates `database` on the server if it is missing (the embedded server starts with none of ours). */
export async function ensureDatabase(serverUrl: string, database: string, template?: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database "${database}"${template ? ` template "${template}"` : ''}`);
  } finally {
    await client.end();
  }
}

/**
 * Opens the database the config names (DATABASE_URL), or starts the embedded one, then applies
 * every pending migration. This is the one way the service, the commands and the tests connect.
 */
export async function openDatabase(config: Config, settings: Partial<OrmSettings> = {}): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPort);
    await ensureDatabase(embedded.serverUrl, 'trellis');
    url = withDatabase(embedded.serverUrl, 'trellis');
    logger.info({ dataDir: config.dataDir, port: config.embeddedPort }, 'embedded PostgreSQL started');
  }
  const orm = await openOrm({ ...settings, clientUrl: url });
  const applied = await migrate(orm);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  return {
    orm,
    url,
    close: async () => {
      await orm.close(true);
      await embedded?.stop();
    },
  };
}
