import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { TEST_AUTH } from './helpers';

/** The compiled command line (test/global-setup.ts builds it once per run). */
export const CLI = path.resolve(__dirname, '../dist/src/cli.js');
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** An environment for a spawned Trellis: the test run's variables, minus what silences its logs. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', TRELLIS_JWT_SECRET: TEST_AUTH.jwtSecret };
  delete env.VITEST;
  delete env.NODE_ENV;
  Object.assign(env, extra);
  for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key];
  return env;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli.js ...args` to the end. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, env: childEnv({ LOG_LEVEL: undefined, ...env }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A Trellis started as an operator would (`trellis start`, or `npm start`), with its log lines collected. */
export class TrellisProcess {
  readonly lines: Record<string, any>[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout!.on('data', (chunk) => {
      this.stdout += chunk;
      const lines = this.stdout.split('\n');
      this.stdout = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.lines.push({ text: line });
        }
      }
    });
    child.stderr!.on('data', (chunk) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/graphql`;
  }

  /** `node dist/src/cli.js start` on PORT (a free one unless given), against DATABASE_URL from `env`. */
  static async start(env: Record<string, string | undefined>, options: { port?: number; npm?: boolean } = {}): Promise<TrellisProcess> {
    const port = options.port ?? (await freePort());
    const child = options.npm
      ? // --ignore-scripts skips prestart's build (global-setup built dist once), so runs never rewrite dist under each other.
        spawn('npm', ['start', '--ignore-scripts'], { cwd: PROJECT_ROOT, env: childEnv({ PORT: String(port), ...env }) })
      : spawn(process.execPath, [CLI, 'start'], { cwd: PROJECT_ROOT, env: childEnv({ PORT: String(port), ...env }) });
    return new TrellisProcess(child, port);
  }

  /** Waits until GET /readyz says ready. */
  async ready(timeoutMs = 60_000): Promise<this> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const exited = await Promise.race([this.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 0))]);
      if (exited) throw new Error(`trellis exited before it was ready: ${this.stderr}\n${JSON.stringify(this.lines.slice(-5))}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/readyz`);
        if (response.status === 200) return this;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`trellis was not ready within ${timeoutMs} ms: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits for a log line matching `match`. */
  async logLine(match: (line: Record<string, any>) => boolean, timeoutMs = 10_000): Promise<Record<string, any>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find(match);
      if (line) return line;
      if (Date.now() > until)
        throw new Error(`no such log line within ${timeoutMs} ms; last lines: ${JSON.stringify(this.lines.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Stops it if still running (test clean-up). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
  }
}

/** Process ids whose command line contains `text` (to prove nothing was left running). */
export async function processesMatching(text: string): Promise<number[]> {
  const fs = await import('node:fs');
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
