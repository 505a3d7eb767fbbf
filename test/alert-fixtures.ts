import type { MikroORM } from '@mikro-orm/postgresql';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { publish } from '../src/core/domain-events';
import { adminAuthorization, type TestApp } from './helpers';

export const ALERT_EVENT_FIELDS = `cursor kind actor occurredAt alert { id severity status evidence school { id urn name } rule { id kind name } }`;

export interface ReceivedEvent {
  cursor: string;
  kind: string;
  actor: string | null;
  alert: { id: string; severity: string; status: string; evidence: Record<string, any>; school: { id: string; urn: number; name: string } };
}

/** A graphql-ws client over a real socket; no retries, so a test sees every disconnect. Signs in as the test admin unless told otherwise. */
export function wsClient(url: string, authorization?: string | null): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: async () => (authorization === null ? {} : { authorization: authorization ?? (await adminAuthorization()) }),
  });
}

/** Subscribes and collects events; `until(n)` waits for n of them. */
export function collect(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const events: ReceivedEvent[] = [];
  const errors: unknown[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  const notify = () => {
    waiters = waiters.filter((w) => (events.length >= w.n ? (w.resolve(), false) : true));
  };
  const field = /subscription\s*(?:\([^)]*\))?\s*{\s*(\w+)/.exec(query)?.[1] ?? 'alertRaised';
  const dispose = client.subscribe<Record<string, ReceivedEvent>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(result.errors);
        if (result.data) events.push(result.data[field]);
        notify();
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return {
    events,
    errors,
    dispose,
    until(n: number, timeoutMs = 15_000): Promise<void> {
      if (events.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${n} events; got ${events.length}; errors ${JSON.stringify(errors)}`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

/** Resolves once the server has acknowledged the subscription (the client is connected and subscribed). */
export async function connected(client: Client): Promise<void> {
  await new Promise<void>((resolve) => {
    const off = client.on('connected', () => (off(), resolve()));
  });
  // Subscribe messages are processed after connection_ack; give the server a moment to register them.
  await new Promise((r) => setTimeout(r, 100));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Inserts `count` open primary schools; returns their ids in URN order. */
export async function insertSchools(app: TestApp, count: number, urnFrom: number): Promise<number[]> {
  const rows = await app.sql<{ id: number }>(
    `insert into school (urn, name, phase, establishment_type)
     select $1::int + n, 'School ' || ($1::int + n), 'primary', 'community_school' from generate_series(0, $2::int - 1) n
     returning id`,
    [urnFrom, count],
  );
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/**
 * Records a KS2 measure the way the evidence mutations do: write, then publish the domain event in
 * the same transaction (so the rules evaluate before commit). `fail` rolls the transaction back.
 */
export async function recordMeasure(
  orm: MikroORM,
  schoolId: number,
  value: number,
  options: { metric?: string; year?: string; fail?: boolean } = {},
): Promise<void> {
  const metric = options.metric ?? 'ks2_rwm_expected_pct';
  await orm.em.fork().transactional(async (em) => {
    await em.execute(
      `insert into outcome_measure (school_id, metric, academic_year, value, source) values (?, ?, ?, ?, 'test')
       on conflict (school_id, metric, academic_year) do update set value = excluded.value`,
      [schoolId, metric, options.year ?? YEAR_BEFORE, value],
    );
    await publish(em as never, { type: 'measures.recorded', schoolIds: [schoolId], metrics: [metric] });
    if (options.fail) throw new Error('rolled back on purpose');
  });
}

/** The academic year `back` years before the last one that has ended ('2025/26' on 2 December 2026). */
function endedAcademicYear(back: number): string {
  const today = new Date();
  const end = (today.getUTCMonth() >= 8 ? today.getUTCFullYear() : today.getUTCFullYear() - 1) - back;
  return `${end - 1}/${String(end % 100).padStart(2, '0')}`;
}

/** Years within every metric rule's evidence window (3 years by default), whenever the tests run. */
export const LAST_YEAR = endedAcademicYear(0);
export const YEAR_BEFORE = endedAcademicYear(1);

export function globalId(type: string, id: number): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}
