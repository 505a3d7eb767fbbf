import { Writable } from 'node:stream';
import pino from 'pino';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions, messageWithoutSql } from '../src/logger';
import { startTestApp, TestApp } from './helpers';

/** A logger configured as Trellis's, writing into an array. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: pino({ ...loggerOptions, level: 'info' }, stream) };
}

describe('log lines never carry SQL, secrets or object dumps', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('logs a pool error (pg-pool hangs the whole client on it) as type, message and code only', async () => {
    const pool = new Pool({ connectionString: app.databaseUrl, application_name: 'trellis-log-probe' });
    const { lines, log } = capture();
    const failed = new Promise<void>((resolve) =>
      pool.on('error', (err) => {
        log.warn({ err }, 'alert feed pool error');
        resolve();
      }),
    );
    const client = await pool.connect();
    client.release(); // idle in the pool, where a dying connection is reported through the pool's 'error' event
    await app.sql(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'trellis-log-probe'`);
    await failed;
    await pool.end();
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line.err).toMatchObject({
      type: 'DatabaseError',
      message: 'terminating connection due to administrator command',
      code: '57P01',
    });
    expect(Object.keys(line.err).sort()).toEqual(['code', 'message', 'stack', 'type']);
    expect(lines[0]).not.toContain('connectionParameters');
    expect(lines[0]).not.toContain('trellis_test');
    expect(lines[0].length).toBeLessThan(1_500);
  });

  it('logs a failed statement by its reason, not its SQL', async () => {
    const { lines, log } = capture();
    const error = await app.orm.em
      .fork()
      .getConnection()
      .execute(`select id from school where secret_column = 'Ada Lovelace'`)
      .catch((err: unknown) => err);
    log.error({ err: error }, 'unexpected error in resolver');
    const line = JSON.parse(lines[0]);
    expect(line.err.message).toBe('column "secret_column" does not exist');
    expect(line.err.code).toBe('42703');
    expect(lines[0]).not.toMatch(/select|Ada Lovelace/i);
  });

  it('redacts authorization, tokens and keys wherever they are logged', () => {
    const { lines, log } = capture();
    log.info(
      { authorization: 'Bearer abc.def.ghi', token: 'abc.def.ghi', connection: { authorization: 'Bearer x', key: 'trk_secret' } },
      'probe',
    );
    expect(lines[0]).not.toMatch(/abc\.def\.ghi|trk_secret|Bearer x/);
    expect(JSON.parse(lines[0]).token).toBe('[redacted]');
  });

  it('keeps messages that only look like SQL words, and removes statements wherever the driver quoted them', () => {
    expect(messageWithoutSql("Cannot read properties of undefined (reading 'select')")).toBe(
      "Cannot read properties of undefined (reading 'select')",
    );
    expect(messageWithoutSql(`update school set name = 'x' where id = 1 - deadlock detected`)).toBe('deadlock detected');
    expect(
      messageWithoutSql(
        `Migration X (up) failed: Original error: create table "a" ("id" serial) - duplicate key value\n - detail: Key (name)=(Ada) already exists`,
      ),
    ).toBe('Migration X (up) failed: Original error: duplicate key value');
  });
});
