import 'reflect-metadata';
import { AUTH_USAGE, runAuthCommand } from './auth/auth.command';
import { loadConfig } from './config';
import { openDatabase } from './database/database';
import { SEED_USAGE, runSeedCommand } from './demo/command';
import { loadDemoIfEmpty } from './demo/demo';
import { evidenceAliasCommand, IMPORT_HELP, IMPORT_USAGE, importCommand } from './imports/command';
import { logger } from './logger';
import { startServer } from './server/app';
import { writeSchemaFile } from './server/schema';

const usage = `trellis <command>

  start              serve GraphQL on PORT (default 4000); loads the demo into an empty database
  migrate            apply pending migrations and exit
  schema             write schema/schema.graphql from the code
  ${AUTH_USAGE}
  ${SEED_USAGE}
                     England-size benchmark data (about 24,000 schools), or the demo into an empty database
  ${IMPORT_USAGE}
${IMPORT_HELP}
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'start': {
      const db = await openDatabase(config);
      await loadDemoIfEmpty(db.orm);
      const server = await startServer({ orm: db.orm, port: config.port, host: config.host, production: config.production });
      logger.info({ url: server.url }, 'Trellis is serving GraphQL');
      const stop = async () => {
        await server.close();
        await db.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return;
    }
    case 'migrate': {
      const db = await openDatabase(config);
      await db.close();
      return;
    }
    case 'seed': {
      const db = await openDatabase(config);
      try {
        const report = await runSeedCommand(db.orm, rest);
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } finally {
        await db.close();
      }
      return;
    }
    case 'evidence': {
      process.exitCode = await evidenceAliasCommand(config, rest);
      return;
    }
    case 'apikey':
    case 'token':
    case 'role': {
      if (!process.env.LOG_LEVEL) logger.level = 'warn';
      const db = await openDatabase(config);
      try {
        process.stdout.write(`${await runAuthCommand(db.orm, config.auth, command, rest)}\n`);
      } finally {
        await db.close();
      }
      return;
    }
    case 'schema': {
      logger.info({ file: await writeSchemaFile() }, 'schema written');
      return;
    }
    case 'import': {
      // stdout carries the report as JSON; keep routine logs off it unless asked for.
      if (!process.env.LOG_LEVEL) logger.level = 'warn';
      process.exitCode = await importCommand(config, rest);
      return;
    }
    default:
      process.stdout.write(usage);
      process.exitCode = command ? 2 : 0;
      void rest;
  }
}

main(process.argv.slice(2)).catch((error) => {
  // Some libraries reject with strings or plain objects; give pino an Error so the reason is printed.
  logger.fatal({ err: error instanceof Error ? error : new Error(String(error)) }, 'trellis failed');
  process.exit(1);
});
