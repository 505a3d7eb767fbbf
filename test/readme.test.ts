/**
 * The README, run: its fenced code blocks are extracted and run top to bottom against a Trellis serving
 * the demo, so a newcomer who pastes them meets no dead end, and the examples cannot drift from the code.
 *
 * How a block runs is said by its info string (the language, then optional key=value words):
 *
 *   ```sh / ```bash     Runs in a fresh `bash -e -o pipefail` in the repository's folder, with DATABASE_URL set to
 *                       the demo's database (so `npm run trellis -- token ...` sees the demo's people) and
 *                       `localhost:4000` rewritten to the test server's port. Passes when it exits 0 and prints no
 *                       GraphQL `"errors"`. Each block is its own shell: set in it what it needs (e.g. TOKEN).
 *   ```sh scenario=NAME A long-running command (a client that waits for alerts): run and driven by SCENARIOS[NAME]
 *                       below, which checks what it prints.
 *   ```graphql          Each operation is POSTed to /graphql, anonymously or, with `as=<email>`, with a token for
 *                       that demo person; `variables={...}` (JSON, no spaces) are its variables. Passes when the
 *                       response has data and no `errors` (userErrors are data: a refused mutation is an example too).
 *   ```ts file=PATH     Must be identical to PATH in the repository, which `npm test` type-checks (tsconfig
 *                       includes examples/); a scenario runs it.
 *   ```text, ```json    Sample output: not run.
 *   any other language  Fails: say which of the above it is.
 *
 * Indented (four-space) blocks are not extracted: use them only for what cannot run against the demo
 * (npm install, npm start, npm test, an England-sized seed, a production start). Each block is one test
 * named `README.md:LINE <language> <first line>`, so a failure names the block.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { inject, afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { recordMeasure } from './alert-fixtures';
import { createTestDatabase, dropTestDatabase } from './helpers';
import { signToken } from '../src/auth/tokens';
import { loadAuthConfig } from '../src/config';
import { withDatabase } from '../src/database/embedded';
import { openOrm } from '../src/database/orm';
import { loadDemoIfEmpty } from '../src/demo/demo';
import { startServer, type TrellisServer } from '../src/server/app';

const ROOT = path.resolve(__dirname, '..');
const README = path.join(ROOT, 'README.md');

export interface ReadmeBlock {
  /** Line of the opening fence in README.md (1-based). */
  line: number;
  language: string;
  attributes: Record<string, string>;
  code: string;
}

/** Fenced blocks (``` at the start of a line, up to three spaces in) with their info strings. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}```\s*(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !/^ {0,3}```\s*$/.test(lines[i])) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: this code block is never closed.`);
    const attributes: Record<string, string> = {};
    for (const word of open[2].split(/\s+/).filter(Boolean)) {
      const eq = word.indexOf('=');
      if (eq <= 0) throw new Error(`README.md:${start + 1}: "${word}" in the info string is not key=value.`);
      attributes[word.slice(0, eq)] = word.slice(eq + 1);
    }
    blocks.push({ line: start + 1, language: open[1], attributes, code: `${body.join('\n')}\n` });
  }
  return blocks;
}

const blocks = readmeBlocks(fs.readFileSync(README, 'utf8'));

function title(block: ReadmeBlock): string {
  const first = block.code.split('\n').find((l) => l.trim() !== '') ?? '';
  return `README.md:${block.line} ${block.language} ${first.length > 70 ? `${first.slice(0, 70)}...` : first}`;
}

interface Demo {
  orm: MikroORM;
  databaseName: string;
  databaseUrl: string;
  port: number;
  server: TrellisServer;
  /** The server as `npm start` runs it on the demo: development secret, explorer on, no sweep. */
  restart(): Promise<void>;
}

let demo: Demo;

/** The environment a newcomer's shell has: none of the test runner's variables, and the demo's database. */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|NODE_ENV$|DATABASE_URL$|TRELLIS_|LOG_LEVEL$|PORT$|npm_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, DATABASE_URL: demo.databaseUrl, ...extra };
}

function forDemo(code: string): string {
  return code.replace(/localhost:4000/g, `localhost:${demo.port}`);
}

interface Run {
  output: () => string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts a block's commands in bash, in their own process group (so stop() ends npm and node too). */
function runShell(code: string, env: NodeJS.ProcessEnv): Run {
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', forDemo(code)], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
    },
  };
}

async function tokenFor(email: string): Promise<string> {
  const [person] = await demo.orm.em
    .getConnection()
    .execute<{ id: number }[]>(`select id from person where lower(email) = lower(?)`, [email]);
  if (!person) throw new Error(`as=${email}: no demo person has this email.`);
  return signToken(loadAuthConfig({}), person.id);
}

async function urnToId(urn: number): Promise<number> {
  const [school] = await demo.orm.em.getConnection().execute<{ id: number }[]>(`select id from school where urn = ?`, [urn]);
  return school.id;
}

async function waitFor(run: Run, what: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what.test(run.output())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the block printed:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function count(text: string, what: string): number {
  return text.split(what).length - 1;
}

/**
 * Long-running blocks, each driven by a scenario that checks what it prints. The alert inbox (a governor
 * of The Test Valley Federation): it must catch up, follow live alerts, survive the server going away
 * (in-process reconnect), and, restarted, resume from its cursor with nothing missed and nothing twice.
 */
const SCENARIOS: Record<string, (block: ReadmeBlock) => Promise<void>> = {
  'alert-inbox': async (block) => {
    const cursorFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-inbox-')), 'alert-inbox.cursor');
    const env = shellEnv({ CURSOR_FILE: cursorFile, TRELLIS_URL: `http://localhost:${demo.port}/graphql` });
    const [infant, junior, longparish] = await Promise.all([116797, 116310, 116376].map(urnToId));
    const line = (urn: number, rule: string) => `(${urn}): ${rule}`;
    const RWM = 'KS2 reading, writing and maths below 65% expected';
    const READING = 'KS2 reading progress below -5';
    const ATTENDANCE = 'Attendance below 90%';
    const MATHS = 'KS2 maths progress below -5';

    // Raised before it starts: the inbox catch-up prints it.
    await recordMeasure(demo.orm, junior, 40, { metric: 'ks2_rwm_expected_pct' });
    const first = runShell(block.code, env);
    try {
      await waitFor(first, /following live alerts after \S+/, 180_000);
      expect(first.output()).toContain(line(116310, RWM));
      // Live.
      await recordMeasure(demo.orm, longparish, 40, { metric: 'ks2_rwm_expected_pct' });
      await waitFor(first, new RegExp(`\\(116376\\): ${RWM}`));
      // The server goes away; an alert is raised meanwhile; the client reconnects and gets it.
      await demo.server.close();
      await recordMeasure(demo.orm, junior, -6, { metric: 'ks2_reading_progress' });
      await demo.restart();
      await waitFor(first, new RegExp(`\\(116310\\): ${READING}`), 30_000);
      expect(first.output()).toMatch(/disconnected/);
    } finally {
      await first.stop();
    }
    const before = first.output();
    for (const expected of [line(116310, RWM), line(116376, RWM), line(116310, READING)]) expect(count(before, expected), expected).toBe(1);

    // Stopped; an alert is raised; started again (on Node 22 when the run has one), it resumes from its
    // cursor file, then follows live alerts again.
    await recordMeasure(demo.orm, infant, 85, { metric: 'attendance_pct' });
    const node22 = process.env.TRELLIS_TEST_NODE22;
    const second = runShell(block.code, node22 ? { ...env, PATH: `${path.dirname(node22)}:${env.PATH}` } : env);
    try {
      await waitFor(second, new RegExp(`\\(116797\\): ${ATTENDANCE}`), 180_000);
      await waitFor(second, /following live alerts after \S+/);
      await recordMeasure(demo.orm, longparish, -6, { metric: 'ks2_maths_progress' });
      await waitFor(second, new RegExp(`\\(116376\\): ${MATHS}`));
    } finally {
      await second.stop();
    }
    const after = second.output();
    expect(count(after, line(116797, ATTENDANCE))).toBe(1);
    expect(count(after, line(116376, MATHS))).toBe(1);
    for (const seen of [line(116310, RWM), line(116376, RWM), line(116310, READING)])
      expect(after, `printed again after the restart: ${seen}`).not.toContain(seen);
  },
};

async function runGraphql(block: ReadmeBlock): Promise<void> {
  const document = parse(block.code);
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = document.definitions
    .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
    .map((d) => block.code.slice(d.loc!.start, d.loc!.end));
  expect(operations.length, 'a graphql block holds at least one operation').toBeGreaterThan(0);
  const authorization = block.attributes.as ? `Bearer ${await tokenFor(block.attributes.as)}` : undefined;
  const variables = block.attributes.variables ? JSON.parse(block.attributes.variables) : undefined;
  for (const operation of operations) {
    const query = [block.code.slice(operation.loc!.start, operation.loc!.end), ...fragments].join('\n');
    const response = await fetch(`http://localhost:${demo.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const result = (await response.json()) as { data?: unknown; errors?: unknown[] };
    const name = operation.name?.value ?? `the ${operation.operation} at line ${block.line + operation.loc!.startToken.line}`;
    expect(result.errors, `${name}: ${JSON.stringify(result.errors)}`).toBeUndefined();
    expect(result.data, name).toBeTruthy();
  }
}

async function runSh(block: ReadmeBlock): Promise<void> {
  const run = runShell(block.code, shellEnv());
  const timer = setTimeout(() => void run.stop(), 240_000);
  const code = await run.exited;
  clearTimeout(timer);
  const output = run.output();
  expect(code, `exit code ${code}; it printed:\n${output}`).toBe(0);
  expect(output, `it printed GraphQL errors:\n${output}`).not.toMatch(/"errors"\s*:/);
}

describe('README.md, run top to bottom against the demo', () => {
  beforeAll(async () => {
    const databaseName = await createTestDatabase();
    const databaseUrl = withDatabase(inject('serverUrl'), databaseName);
    const orm = await openOrm({ clientUrl: databaseUrl });
    await loadDemoIfEmpty(orm);
    const start = (port: number) => startServer({ orm, port, host: '127.0.0.1', auth: loadAuthConfig({}), sweepIntervalMs: 0 });
    const server = await start(0);
    const address = server.httpServer.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    demo = {
      orm,
      databaseName,
      databaseUrl,
      port,
      server,
      async restart() {
        demo.server = await start(port);
      },
    };
  });

  afterAll(async () => {
    await demo?.server.close();
    await demo?.orm.close(true);
    if (demo) await dropTestDatabase(demo.databaseName);
  });

  it('has code blocks to run', () => {
    expect(blocks.filter((b) => b.language === 'sh' || b.language === 'graphql').length).toBeGreaterThan(5);
  });

  for (const block of blocks) {
    const name = title(block);
    if (block.language === 'text' || block.language === 'json') continue;
    it(name, { timeout: 480_000 }, async () => {
      if (block.attributes.scenario) {
        const scenario = SCENARIOS[block.attributes.scenario];
        if (!scenario) throw new Error(`${name}: no scenario named ${block.attributes.scenario} in test/readme.test.ts.`);
        return scenario(block);
      }
      switch (block.language) {
        case 'sh':
        case 'bash':
          return runSh(block);
        case 'graphql':
          return runGraphql(block);
        case 'ts':
        case 'typescript': {
          if (!block.attributes.file)
            throw new Error(`${name}: a ts block names the file it shows (file=examples/...), which npm test type-checks.`);
          const file = path.join(ROOT, block.attributes.file);
          expect(fs.existsSync(file), `${block.attributes.file} does not exist`).toBe(true);
          expect(block.code, `the block differs from ${block.attributes.file}: copy one onto the other`).toBe(
            fs.readFileSync(file, 'utf8'),
          );
          return;
        }
        default:
          throw new Error(
            `${name}: a \`\`\`${block.language || '(no language)'} block is neither run nor sample output; use sh, graphql or ts (run) or text (sample output).`,
          );
      }
    });
  }
});
