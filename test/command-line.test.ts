import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { COMMANDS, describeFailure, helpText, parseCommandLine } from '../src/command-line';
import { configProblems } from '../src/config';
import { withDatabase } from '../src/database/embedded';
import { runAuthCommand } from '../src/auth/auth.command';
import { openOrm } from '../src/database/orm';
import { createTestDatabase, dropTestDatabase, TEST_AUTH } from './helpers';
import { CliResult, runCli } from './processes';

/** Every command path: each command, and each subcommand under it. */
const PATHS: string[][] = Object.entries(COMMANDS).flatMap(([name, command]) => [
  [name],
  ...Object.keys(command.subcommands ?? {}).map((sub) => [name, sub]),
]);

/** One sentence on stderr, prefixed "trellis", nothing on stdout, no stack trace, no JSON log line. */
function expectOneSentence(result: CliResult, code: number) {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^trellis[: ]/);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain('{"level"');
  expect(result.stdout).toBe('');
}

// No database is reachable here: --help and usage errors must never need one.
const NO_DATABASE = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };

describe('trellis --help', () => {
  it('prints usage and exits 0 for a command and a subcommand, without touching the database', async () => {
    const sample = [['start'], ['import', 'gias'], ['apikey', 'revoke'], ['seed']];
    const results = await Promise.all(sample.map((path) => runCli([...path, '--help'], NO_DATABASE)));
    sample.forEach((path, i) => {
      expect(results[i].code, `${path.join(' ')}: ${results[i].stderr}`).toBe(0);
      expect(results[i].stdout).toContain(`Usage: trellis ${path.join(' ')}`);
      expect(results[i].stdout).toBe(helpText(path));
      expect(results[i].stderr).toBe('');
    });
  });

  it('takes -h and `help <command>` as well, and lists every command at the top', async () => {
    const [short, word, top, bare] = await Promise.all([
      runCli(['apikey', 'create', '-h'], NO_DATABASE),
      runCli(['help', 'import', 'gias'], NO_DATABASE),
      runCli(['--help'], NO_DATABASE),
      runCli([], NO_DATABASE),
    ]);
    expect(short.stdout).toBe(helpText(['apikey', 'create']));
    expect(word.stdout).toBe(helpText(['import', 'gias']));
    for (const result of [top, bare]) {
      expect(result.code).toBe(0);
      for (const [name] of PATHS) expect(result.stdout).toContain(`  ${name}`);
    }
  });

  it('has help for every command and subcommand (the same parser and text the process uses)', () => {
    for (const path of PATHS) {
      for (const flag of ['--help', '-h']) expect(parseCommandLine([...path, flag])).toEqual({ path, args: [flag], help: true });
      expect(parseCommandLine(['help', ...path])).toEqual({ path, args: [], help: true });
      const text = helpText(path);
      expect(text).toMatch(new RegExp(`^Usage: trellis ${path.join(' ')}`));
      expect(text).toContain('--help');
      expect(text.split('\n')[2].length).toBeGreaterThan(10);
    }
  });
});

describe('usage errors: one sentence and exit code 2', () => {
  const cases: [args: string[], says: RegExp][] = [
    [['frobnicate'], /"frobnicate" is not a trellis command: run trellis --help/],
    [['import'], /trellis import needs one of gias, links, census, ks2, ofsted or measures/],
    [['import', 'everything', 'x.csv'], /"everything" is not a trellis import subcommand: use gias, links, census, ks2, ofsted or measures/],
    [['import', 'gias'], /trellis import gias needs <file>/],
    [['import', 'gias', 'a.csv', 'b.csv'], /takes at most 1 argument but was given "b.csv"/],
    [['import', 'gias', 'a.csv', '--problem=3'], /--problem is not an option of trellis import gias: it takes --dry-run, --problems/],
    [['evidence', 'ks3', 'x.csv'], /"ks3" is not a trellis evidence subcommand/],
    [['seed'], /trellis seed needs one of england or demo/],
    [['seed', 'england', '--scale'], /--scale is missing its value in trellis seed england/],
    [['seed', 'wales'], /"wales" is not a trellis seed subcommand/],
    [['apikey'], /trellis apikey needs one of create, list or revoke/],
    [['apikey', 'create', '--nme', 'Hub'], /--nme is not an option of trellis apikey create: it takes --name, --scopes/],
    [['apikey', 'revoke', '--nam', 'Hub'], /--nam is not an option of trellis apikey revoke: it takes --name/],
    [['token'], /trellis token needs <person>/],
    [['token', '42', '--expiry', '1h'], /--expiry is not an option of trellis token: it takes --expires/],
    [['role', 'grant', '42'], /trellis role grant needs <person> admin\|la_officer/],
    [['start', 'now'], /trellis start takes no arguments but was given "now"/],
    [['migrate', '--force'], /--force is not an option of trellis migrate: it takes no options/],
    [['help', 'nothing'], /"nothing" is not a trellis command/],
  ];
  it('names the problem and what to do for each (the parser the process uses)', () => {
    for (const [args, says] of cases) {
      let failure: ReturnType<typeof describeFailure> | undefined;
      try {
        parseCommandLine(args);
      } catch (error) {
        failure = describeFailure(error, []);
      }
      expect(failure, JSON.stringify(args)).toBeDefined();
      expect(failure!.code).toBe(2);
      expect(failure!.message).toMatch(says);
      expect(failure!.message).not.toContain('\n');
    }
  });

  it('prints them as one line on stderr and exits 2, as a process', async () => {
    const sample = [cases[0], cases[5], cases[13]];
    const results = await Promise.all(sample.map(([args]) => runCli(args, NO_DATABASE)));
    results.forEach((result, i) => {
      expectOneSentence(result, 2);
      expect(result.stderr).toMatch(sample[i][1]);
    });
  });
});

describe('configuration is checked at start, with a sentence per bad value (exit 2)', () => {
  const cases: [env: Record<string, string>, says: RegExp][] = [
    [{ PORT: 'abc' }, /^trellis: PORT is "abc": set it to a port number from 1 to 65535/],
    [{ PORT: '70000' }, /^trellis: PORT is "70000"/],
    [{ PORT: '-1' }, /^trellis: PORT is "-1"/],
    [{ DATABASE_URL: 'mysql://root@localhost/trellis' }, /^trellis: DATABASE_URL is not a PostgreSQL URL: write it as postgres:\/\//],
    [{ DATABASE_URL: 'localhost:5432' }, /^trellis: DATABASE_URL is not a PostgreSQL URL/],
    [{ TRELLIS_EMBEDDED_PG_PORT: 'x' }, /^trellis: TRELLIS_EMBEDDED_PG_PORT is "x"/],
    [{ LOG_LEVEL: 'loud' }, /^trellis: LOG_LEVEL is "loud": set it to one of fatal, error, warn, info, debug, trace, silent/],
    [{ NODE_ENV: 'prod' }, /^trellis: NODE_ENV is "prod": set it to production, development or test/],
    [{ NODE_ENV: 'production' }, /^trellis: NODE_ENV is production but neither TRELLIS_JWT_SECRET nor TRELLIS_JWT_PUBLIC_KEY is set/],
    [
      { NODE_ENV: 'production', TRELLIS_JWT_SECRET: 'short' },
      /^trellis: TRELLIS_JWT_SECRET has 5 characters: in production use at least 32/,
    ],
    [{ NODE_ENV: 'production', TRELLIS_JWT_SECRET: 'trellis-development-secret-not-for-production' }, /published development secret/],
    [{ TRELLIS_JWT_ALG: 'none' }, /^trellis: TRELLIS_JWT_ALG is "none": set it to one of HS256/],
    [{ TRELLIS_JWT_ALG: 'RS256' }, /^trellis: TRELLIS_JWT_ALG is RS256 but TRELLIS_JWT_PUBLIC_KEY is not set/],
    [{ TRELLIS_JWT_PUBLIC_KEY: 'abc' }, /^trellis: TRELLIS_JWT_PUBLIC_KEY is not a PEM public key/],
    [{ TRELLIS_REQUIRE_AUTH: 'maybe' }, /^trellis: TRELLIS_REQUIRE_AUTH is "maybe": set it to true or false/],
    [{ TRELLIS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '0' }, /^trellis: TRELLIS_MAX_SUBSCRIPTIONS_PER_CONNECTION is "0"/],
    [{ TRELLIS_SWEEP_INTERVAL_MS: 'hourly' }, /^trellis: TRELLIS_SWEEP_INTERVAL_MS is "hourly"/],
    [{ TRELLIS_SHUTDOWN_TIMEOUT_MS: '1e9' }, /^trellis: TRELLIS_SHUTDOWN_TIMEOUT_MS is "1e9"/],
    [{ TRELLIS_EXECUTOR: 'fast' }, /^trellis: TRELLIS_EXECUTOR is "fast": set it to jit or graphql-js/],
    [{ TRELLIS_PREFETCH: 'false' }, /^trellis: TRELLIS_PREFETCH is "false": set it to on or off/],
  ];

  it('names every bad variable in the environment (checked in-process for each)', () => {
    for (const [env, says] of cases) {
      const problems = configProblems(env);
      expect(problems, JSON.stringify(env)).toHaveLength(1);
      expect(`trellis: ${problems[0]}`).toMatch(says);
    }
    expect(configProblems({})).toEqual([]);
    expect(
      configProblems({
        NODE_ENV: 'production',
        TRELLIS_JWT_SECRET: 'x'.repeat(32),
        PORT: '8080',
        DATABASE_URL: 'postgresql://u:p@db:5432/trellis',
      }),
    ).toEqual([]);
  });

  it('refuses to start (or run any command) with them, one line each, exit 2', async () => {
    const one = await runCli(['migrate'], { ...NO_DATABASE, ...cases[0][0] });
    expectOneSentence(one, 2);
    expect(one.stderr).toMatch(cases[0][1]);
    const several = await runCli(['start'], { PORT: 'abc', LOG_LEVEL: 'loud', NODE_ENV: 'production', TRELLIS_JWT_SECRET: undefined });
    expect(several.code).toBe(2);
    expect(several.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^trellis: PORT is "abc"/),
      expect.stringMatching(/^trellis: LOG_LEVEL is "loud"/),
      expect.stringMatching(/^trellis: NODE_ENV is production but neither/),
    ]);
  });
});

describe('failures: one sentence and exit code 1, a stack trace only with LOG_LEVEL=debug', () => {
  let database: string;
  let databaseUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    databaseUrl = withDatabase(inject('serverUrl'), database);
  });

  afterAll(async () => {
    if (database) await dropTestDatabase(database);
  });

  it('says a file does not exist, for the importers and the evidence imports', async () => {
    const results = await Promise.all([
      runCli(['import', 'census', 'no/such/file.csv'], NO_DATABASE),
      runCli(['evidence', 'ks2', 'no/such/file.csv', '2017/18'], NO_DATABASE),
    ]);
    for (const result of results) {
      expectOneSentence(result, 1);
      expect(result.stderr).toMatch(/^trellis: no file at no\/such\/file\.csv: check the path \(relative paths start from \//);
    }
  });

  it('says which PostgreSQL it cannot reach', async () => {
    const result = await runCli(['migrate'], NO_DATABASE);
    expectOneSentence(result, 1);
    expect(result.stderr).toBe(
      'trellis: cannot reach PostgreSQL at 127.0.0.1:1 (ECONNREFUSED): check DATABASE_URL and that the server is running.\n',
    );
  });

  it('says a person or key does not exist, and what to give instead', async () => {
    const [person, key, scope] = await Promise.all([
      runCli(['token', 'nobody@example.org'], { DATABASE_URL: databaseUrl }),
      runCli(['apikey', 'revoke', '999'], { DATABASE_URL: databaseUrl }),
      runCli(['apikey', 'create', '--name', 'Hub', '--scopes', 'read:everything'], { DATABASE_URL: databaseUrl }),
    ]);
    expectOneSentence(person, 1);
    expect(person.stderr).toBe(
      'trellis: no person is nobody@example.org: give the database id, Person global ID or email of someone in this database.\n',
    );
    expectOneSentence(key, 1);
    expect(key.stderr).toBe('trellis: no active key has id 999: see apikey list for the keys and whether they are revoked.\n');
    expectOneSentence(scope, 2);
    expect(scope.stderr).toMatch(/^trellis: unknown scope read:everything: use a comma-separated list from read:schools/);
  });

  it('revokes a key by the name it was created with, as the README shows, and says when there is none', async () => {
    const orm = await openOrm({ clientUrl: databaseUrl });
    try {
      const created = await runAuthCommand(orm, TEST_AUTH, 'apikey', ['create', '--name', 'Hub dashboard', '--scopes', 'read:schools']);
      const id = JSON.parse(created.slice(0, created.lastIndexOf('}') + 1)).id;
      expect(await runAuthCommand(orm, TEST_AUTH, 'apikey', ['revoke', '--name', 'Hub dashboard'])).toBe(
        `revoked key ${id} (Hub dashboard)`,
      );
      const again = await runAuthCommand(orm, TEST_AUTH, 'apikey', ['revoke', '--name', 'Hub dashboard']).catch((error: unknown) => error);
      expect(describeFailure(again, ['apikey', 'revoke'])).toEqual({
        code: 1,
        message: 'no active key is named "Hub dashboard": see apikey list for the keys and their names.',
      });
      const noId = await runAuthCommand(orm, TEST_AUTH, 'apikey', ['revoke']).catch((error: unknown) => error);
      expect(describeFailure(noId, ['apikey', 'revoke']).code).toBe(2);
    } finally {
      await orm.close(true);
    }
  });

  it('prints the stack trace after the sentence when LOG_LEVEL=debug', async () => {
    const result = await runCli(['token', 'nobody@example.org'], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'debug' });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(
      'trellis: no person is nobody@example.org: give the database id, Person global ID or email of someone in this database.',
    );
    expect(result.stderr).toMatch(/^\s+at /m);
  });
});
