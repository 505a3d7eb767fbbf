import 'reflect-metadata';
import { AUTH_USAGE, runAuthCommand } from './auth/auth.command';
import { loadConfig } from './config';
import { openDatabase } from './database/database';
import { evidenceCommand, evidenceUsage } from './evidence/import-command';
import { SEED_USAGE, runSeedCommand } from './demo/command';
import { loadDemoIfEmpty } from './demo/demo';
import { IMPORT_USAGE, runImportCommand } from './imports/command';
import { logger } from './logger';
import { startServer } from './server/app';
import { trellisSchema, writeSchemaFile } from './server/schema';
import { DOCUMENTS_USAGE, runDocumentsCommand } from './server/trusted-documents';

const usage = `trellis <command>

  start              serve GraphQL on PORT (default 4000); loads the demo into an empty database
  migrate            apply pending migrations and exit
  schema             write schema/schema.graphql from the code
  ${AUTH_USAGE}
  ${DOCUMENTS_USAGE}
  ${SEED_USAGE}
                     England-size benchmark data (about 24,000 schools), or the demo into an empty database
  ${IMPORT_USAGE}
                     import a GIAS establishments, school census or GIAS links CSV; prints the report as JSON
${evidenceUsage}`;

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
      process.exitCode = await evidenceCommand(config, rest);
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
    case 'documents': {
      // stdout carries the manifest as JSON; keep routine logs off it unless asked for.
      if (!process.env.LOG_LEVEL) logger.level = 'warn';
      const db = await openDatabase(config);
      try {
        const output = await runDocumentsCommand(db.orm, await trellisSchema(), rest, (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(`${output}\n`);
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
      const db = await openDatabase(config);
      try {
        process.stdout.write(`${JSON.stringify(await runImportCommand(db.orm, rest), null, 2)}\n`);
      } finally {
        await db.close();
      }
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
