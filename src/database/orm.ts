import { DefaultLogger, LoggerNamespace, LoggerOptions, LogContext } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, Options } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { migrationsList } from '../../migrations';
import { logger } from '../logger';
import { entities } from './entities';

export interface OrmSettings {
  clientUrl: string;
  /** Called with every SQL statement sent; the N+1 tests count them. */
  onQuery?: (sql: string) => void;
  poolMax?: number;
}

/** Routes MikroORM's logs to pino, and hands each statement to `onQuery` when one is given. */
class OrmLogger extends DefaultLogger {
  constructor(
    options: LoggerOptions,
    private readonly onQuery?: (sql: string) => void,
  ) {
    super(options);
  }

  override log(namespace: LoggerNamespace, message: string, context?: LogContext): void {
    if (namespace === 'query') {
      this.onQuery?.(context?.query ?? message);
      if (logger.isLevelEnabled('trace')) logger.trace({ took: context?.took }, message);
      return;
    }
    logger.debug({ orm: namespace }, message);
  }
}

export function ormOptions(settings: OrmSettings): Options {
  return defineConfig({
    clientUrl: settings.clientUrl,
    entities,
    extensions: [Migrator],
    // Migrations are listed in migrations/index.ts, so compiled and vitest runs load the same ones.
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, tableName: 'mikro_orm_migrations' },
    debug: ['query', 'discovery', 'info'],
    loggerFactory: (options) => new OrmLogger(options, settings.onQuery),
    pool: { min: 0, max: settings.poolMax ?? 10 },
    forceUtcTimezone: true,
    // Entities are read only inside a request's own EntityManager fork.
    allowGlobalContext: false,
    // Generic plans for statements with parameters, which on this pool are only the read path's
    // prepared statements (core/prepared.ts; MikroORM writes values into its SQL text, so its own
    // statements have none). PostgreSQL otherwise plans a prefetch statement afresh on every execution
    // (a custom plan for the values given), which cost as much as a third of running it; its shape
    // (keys joined along the indexes) is the same whatever the values.
    driverOptions: { connection: { application_name: 'trellis', options: '-c plan_cache_mode=force_generic_plan' } },
  });
}

export async function openOrm(settings: OrmSettings): Promise<MikroORM> {
  return MikroORM.init(ormOptions(settings));
}

/** Key of the advisory lock that migrations are run under (any constant unique to Trellis). */
const MIGRATION_LOCK = 7353013;

/**
 * Applies pending migrations. Instances started together on one database would each run the same
 * migration at once (two `create table`s collide on pg_type); a session advisory lock, held on a
 * connection of its own, makes them take turns, and the later ones find nothing left to apply.
 */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const lock = new Client({ connectionString: orm.config.get('clientUrl') as string, application_name: 'trellis-migrate' });
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await orm.getMigrator().up();
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end().catch(() => undefined);
  }
}
