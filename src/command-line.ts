import { parseArgs } from 'node:util';
import { ConfigError } from './config';
import { messageWithoutSql } from './logger';

/**
 * The conventions every `trellis` command follows, in one place:
 * - `--help` (or `-h`) on any command or subcommand prints its usage and exits 0, before any
 *   configuration is read or database opened;
 * - a usage error (unknown command or option, a missing or malformed argument, bad configuration)
 *   prints one sentence naming the problem and what to do, and exits 2;
 * - a failure (no such file, no such person, database unreachable) prints one sentence and exits 1;
 * - no stack trace unless LOG_LEVEL=debug (or trace).
 */

/** The caller got the command line or the configuration wrong: exit code 2. */
export class UsageError extends Error {}

/** The command was well formed but could not be done (missing file, unknown person): exit code 1. */
export class CommandError extends Error {}

interface OptionHelp {
  type: 'string' | 'boolean';
  /** Shown in the help: what the option takes and does. */
  help: string;
}

export interface CommandHelp {
  /** Arguments after the command path, e.g. "<file> [--problems=N]". */
  args?: string;
  summary: string;
  /** More lines for `--help`: examples, what is printed. */
  details?: string;
  options?: Record<string, OptionHelp>;
  /** How many positional arguments it takes (after the command path). */
  positionals?: [min: number, max: number];
  subcommands?: Record<string, CommandHelp>;
}

const IMPORT_OPTIONS: Record<string, OptionHelp> = {
  'dry-run': { type: 'boolean', help: 'check the file and report as if importing, then roll everything back' },
  problems: { type: 'string', help: 'how many skipped rows to print: --problems=N (default 50) or --problems=all' },
};
const importKind = (summary: string, extra: Record<string, OptionHelp> = {}, args = '<file> [--dry-run] [--problems=N]'): CommandHelp => ({
  args,
  summary,
  options: { ...IMPORT_OPTIONS, ...extra },
  positionals: [1, 1],
});

/** Every command and subcommand, with its usage; `trellis <path> --help` prints an entry. */
export const COMMANDS: Record<string, CommandHelp> = {
  start: {
    summary: 'serve GraphQL (HTTP and WebSocket) on PORT; loads the demo into an empty database',
    details: `Serves http://localhost:$PORT/graphql, /healthz, /readyz and /metrics. Without DATABASE_URL it starts an
embedded PostgreSQL (data in TRELLIS_DATA_DIR). SIGTERM or SIGINT stops it gracefully: it stops
accepting, finishes requests in flight, closes WebSockets with 1001 and releases the database.`,
    positionals: [0, 0],
  },
  migrate: { summary: 'apply pending migrations and exit', positionals: [0, 0] },
  schema: { summary: 'write schema/schema.graphql from the code', positionals: [0, 0] },
  postgres: {
    summary: 'run only the embedded PostgreSQL, for several instances to share; prints its DATABASE_URL',
    details: `Keeps running until SIGTERM or SIGINT. Start instances against it with
  DATABASE_URL=<the printed URL> PORT=4001 npm start`,
    positionals: [0, 0],
  },
  seed: {
    summary: 'load data: England-size benchmark data, or the demo into an empty database',
    subcommands: {
      england: {
        args: '[--scale N] [--replace]',
        summary: 'about 24,000 schools with groups, governance, staff and support (N scales it, 0 < N <= 10)',
        options: {
          scale: { type: 'string', help: 'size relative to England (default 1; the tests use 0.01)' },
          replace: { type: 'boolean', help: "empty the data set's tables first (refused without it when schools exist)" },
        },
        positionals: [0, 0],
      },
      demo: { summary: 'the demo (60 schools) into an empty database; a database with schools is not touched', positionals: [0, 0] },
    },
  },
  import: {
    summary: 'import a DfE file (GIAS, links, census, KS2, Ofsted, a measures drop); prints one report as JSON',
    details: `Exit code 0 when the file was read (even with skipped rows), 1 when it cannot be read or is not a file of
that kind (the missing headers are named), 2 for a wrong command line.`,
    subcommands: {
      gias: importKind('GIAS establishment extract: schools, their trusts, federations and memberships', {
        'extract-date': { type: 'string', help: 'the day the extract was taken, YYYY-MM-DD (default: today)' },
      }),
      links: importKind('GIAS links: predecessor and successor schools'),
      census: importKind('school census: pupils on roll and % FSM of schools held'),
      ks2: importKind('KS2 performance tables as outcome measures (academic year from the file name, or --academic-year)', {
        'academic-year': { type: 'string', help: 'the academic year of the results, YYYY/YY' },
      }),
      ofsted: importKind('Ofsted ratings in a GIAS establishment extract, as inspections'),
      measures: importKind('a data drop CSV of outcome measures: urn,metric,academic_year,value,source'),
    },
  },
  evidence: {
    summary: 'the old name of import ks2|ofsted|measures: says where it went, then runs the import',
    subcommands: {
      ks2: { args: '<file> [YYYY/YY]', summary: 'now: trellis import ks2 <file> --academic-year=YYYY/YY', positionals: [1, 2] },
      'ofsted-gias': { args: '<file>', summary: 'now: trellis import ofsted <file>', positionals: [1, 1] },
      'measures-csv': { args: '<file>', summary: 'now: trellis import measures <file>', positionals: [1, 1] },
    },
  },
  documents: {
    summary: "trusted documents: the operations a partner app may run when TRELLIS_TRUSTED_DOCUMENTS=required",
    subcommands: {
      register: {
        args: '--client NAME <file|folder>...',
        summary: "register an app's operations from its .graphql files; prints the manifest (id = SHA-256 of each operation)",
        options: { client: { type: 'string', help: 'the partner app the operations belong to' } },
        positionals: [1, Infinity],
      },
      list: { summary: 'list registered operations: id, name, type, clients, when', positionals: [0, 0] },
    },
  },
  apikey: {
    summary: "partner apps' API keys",
    subcommands: {
      create: {
        args: '--name NAME --scopes a,b',
        summary: 'create a key (printed once; only its hash is kept)',
        options: {
          name: { type: 'string', help: 'the partner app it is for' },
          scopes: { type: 'string', help: 'comma-separated scopes, e.g. read:schools,read:alerts' },
        },
        positionals: [0, 0],
      },
      list: { summary: 'list keys: id, name, prefix, scopes, created, revoked, last used', positionals: [0, 0] },
      revoke: {
        args: '<id> | --name NAME',
        summary: 'revoke a key at once: by its id (from apikey list or create), or every active key with that name',
        options: { name: { type: 'string', help: 'the name given at create' } },
        positionals: [0, 1],
      },
    },
  },
  token: {
    args: '<person> [--expires 12h]',
    summary: 'print a bearer token for a person: database id, Person global ID or email',
    details: 'Signed with TRELLIS_JWT_SECRET, or the development secret when it is unset (never in production).',
    options: { expires: { type: 'string', help: 'lifetime, e.g. 30m, 12h (default), 7d' } },
    positionals: [1, 1],
  },
  role: {
    summary: 'roles the graph cannot tell: admin, or la_officer for a local authority',
    subcommands: {
      grant: { args: '<person> admin|la_officer [LA code]', summary: 'give a person a role', positionals: [2, 3] },
      revoke: { args: '<person> admin|la_officer [LA code]', summary: 'take a role away', positionals: [2, 3] },
    },
  },
};

export interface ParsedCommandLine {
  /** The command and subcommand, e.g. ['import', 'gias']; empty for bare `trellis`. */
  path: string[];
  /** Everything after the command path, as given (commands read their own arguments). */
  args: string[];
  help: boolean;
}

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

/** Finds the command, and checks its options and argument count against COMMANDS. */
export function parseCommandLine(argv: string[]): ParsedCommandLine {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const path = argv[0] === 'help' ? argv.slice(1).filter((a) => !a.startsWith('-')) : [];
    if (path.length) commandAt(path);
    return { path, args: [], help: true };
  }
  const [name, ...rest] = argv;
  let command = COMMANDS[name];
  if (!command) throw new UsageError(`"${name}" is not a trellis command: run trellis --help to see the commands.`);
  const path = [name];
  let args = rest;
  if (command.subcommands) {
    const [sub, ...subArgs] = args;
    if (sub === undefined || sub.startsWith('-')) {
      if (wantsHelp(args)) return { path, args, help: true };
      throw new UsageError(
        `trellis ${name} needs one of ${listOf(Object.keys(command.subcommands))}: run trellis ${name} --help for details.`,
      );
    }
    if (!command.subcommands[sub]) {
      throw new UsageError(`"${sub}" is not a trellis ${name} subcommand: use ${listOf(Object.keys(command.subcommands))}.`);
    }
    command = command.subcommands[sub];
    path.push(sub);
    args = subArgs;
  }
  if (wantsHelp(args)) return { path, args, help: true };
  const label = `trellis ${path.join(' ')}`;
  let positionals: string[];
  try {
    const options = Object.fromEntries(Object.entries(command.options ?? {}).map(([key, option]) => [key, { type: option.type }]));
    ({ positionals } = parseArgs({ args, options, strict: true, allowPositionals: true }));
  } catch (error) {
    const option = /'(-[^' ]+)/.exec((error as Error).message)?.[1];
    const known = Object.keys(command.options ?? {});
    const what = (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 'is not an option of' : 'is missing its value in';
    throw new UsageError(
      `${option ?? 'an option'} ${what} ${label}: ${known.length ? `it takes ${known.map((k) => `--${k}`).join(', ')}` : 'it takes no options'}; see ${label} --help.`,
    );
  }
  const [min, max] = command.positionals ?? [0, Infinity];
  if (positionals.length < min) {
    throw new UsageError(`${label} needs ${command.args?.replace(/\s*\[.*$/, '') || 'more arguments'}: see ${label} --help.`);
  }
  if (positionals.length > max) {
    throw new UsageError(
      `${label} takes ${max === 0 ? 'no arguments' : `at most ${max} argument${max > 1 ? 's' : ''}`} but was given "${positionals.slice(max).join(' ')}": see ${label} --help.`,
    );
  }
  return { path, args, help: false };
}

function commandAt(path: string[]): CommandHelp {
  let command: CommandHelp | undefined = COMMANDS[path[0]];
  if (!command) throw new UsageError(`"${path[0]}" is not a trellis command: run trellis --help to see the commands.`);
  for (const part of path.slice(1)) {
    command = command.subcommands?.[part];
    if (!command) throw new UsageError(`"${part}" is not a trellis ${path[0]} subcommand: run trellis ${path[0]} --help.`);
  }
  return command;
}

function listOf(words: string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words.join('');
}

/** The text `--help` prints for a command path (the whole list for an empty path). */
export function helpText(path: string[]): string {
  if (path.length === 0) {
    const lines = ['Usage: trellis <command> [arguments]   (through npm: npm run trellis -- <command> ...)', '', 'Commands:'];
    for (const [name, command] of Object.entries(COMMANDS)) {
      lines.push(`  ${name.padEnd(12)} ${command.summary}`);
      for (const [sub, subcommand] of Object.entries(command.subcommands ?? {})) {
        lines.push(`    ${`${sub} ${subcommand.args ?? ''}`.padEnd(36)} ${subcommand.summary}`);
      }
    }
    lines.push('', 'Every command takes --help. Configuration comes from the environment (README, "Configuration").');
    lines.push('Exit codes: 0 done, 1 failed, 2 usage or configuration error.');
    return `${lines.join('\n')}\n`;
  }
  const command = commandAt(path);
  const label = `trellis ${path.join(' ')}`;
  const lines = [
    `Usage: ${label}${command.subcommands ? ' <subcommand>' : ''}${command.args ? ` ${command.args}` : ''}`,
    '',
    command.summary,
  ];
  if (command.details) lines.push('', command.details);
  if (command.subcommands) {
    lines.push('', 'Subcommands:');
    for (const [sub, subcommand] of Object.entries(command.subcommands))
      lines.push(`  ${`${sub} ${subcommand.args ?? ''}`.padEnd(36)} ${subcommand.summary}`);
  }
  if (command.options) {
    lines.push('', 'Options:');
    for (const [name, option] of Object.entries(command.options))
      lines.push(`  --${`${name}${option.type === 'string' ? ' VALUE' : ''}`.padEnd(16)} ${option.help}`);
  }
  lines.push(`  --help           print this help`);
  return `${lines.join('\n')}\n`;
}

/** Exit code and the sentence to print for an error that ended a command. */
export function describeFailure(error: unknown, commandPath: string[]): { code: 1 | 2; message: string } {
  const label = commandPath.length ? `trellis ${commandPath.join(' ')}` : 'trellis';
  if (error instanceof ConfigError) return { code: 2, message: error.problems.join('\ntrellis: ') };
  if (error instanceof UsageError) return { code: 2, message: error.message };
  if (error instanceof CommandError) return { code: 1, message: error.message };
  const err = error as {
    code?: string;
    message?: string;
    address?: string;
    port?: number;
    errors?: { code?: string; address?: string; port?: number }[];
  };
  // pg reports a refused connection to each address it tried as an AggregateError.
  const network = err?.code ? err : err?.errors?.find((e) => e?.code);
  switch (network?.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return {
        code: 1,
        message: `cannot reach PostgreSQL${network.address ? ` at ${network.address}${network.port ? `:${network.port}` : ''}` : ''} (${network.code}): check DATABASE_URL and that the server is running.`,
      };
    case '28P01':
    case '28000':
      return {
        code: 1,
        message: `PostgreSQL refused the login (${messageWithoutSql(err.message ?? '')}): check the user and password in DATABASE_URL.`,
      };
    case '3D000':
      return {
        code: 1,
        message: `${messageWithoutSql(err.message ?? '')}: create it (createdb) or fix the database name in DATABASE_URL.`,
      };
    case 'ENOENT':
      return { code: 1, message: `${err.message}: check the path (relative paths start from ${process.cwd()}).` };
  }
  const message = messageWithoutSql(error instanceof Error ? error.message : String(error)).replace(/\s+$/, '');
  // Older commands signal usage errors with an Error whose message starts "usage:".
  if (/^usage:/i.test(message)) return { code: 2, message: `${message.replace(/^usage:\s*/i, 'usage: ')} (see ${label} --help)` };
  return { code: 1, message: `${label} failed: ${message.replace(/\.$/, '')}. Run again with LOG_LEVEL=debug for details.` };
}

/** Prints the one sentence for an error (and the stack under LOG_LEVEL=debug) and returns the exit code. */
export function reportFailure(error: unknown, commandPath: string[]): 1 | 2 {
  const { code, message } = describeFailure(error, commandPath);
  process.stderr.write(message.startsWith('trellis ') ? `${message}\n` : `trellis: ${message}\n`);
  if (['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '') && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  return code;
}
