import { ACCESS_CHANGED, bumpAccessEpoch } from '../auth/viewer';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Client, Pool } from 'pg';
import { logger } from '../logger';
import { School } from '../schools/school.entity';
import { AlertEvent, AlertEventFilter, EVENT_COLUMNS, EventRow, eventFromRow, matchesFilter } from './alert-event';
import { SEVERITY_RANK } from './alert.enums';
import { TriggerRule } from './trigger-rule.entity';

/**
 * One per instance: the only reader of the alert log, fanning each event out to every subscriber.
 *
 * - A dedicated connection LISTENs on `trellis_alert_events`. 'written' (sent by a trigger when a
 *   writing transaction commits) makes the instance run the sequencer; 'sequenced' makes it read.
 *   Notifications only wake the feed: what subscribers get is always read from the table, after
 *   the feed's own position, in position order.
 * - If the LISTEN connection dies it is re-established, and the feed then sequences and re-reads from
 *   its position, so whatever was committed meanwhile is delivered. A slow tick does the same, in
 *   case a notification is ever lost.
 * - A subscriber with `since` first reads the log from its cursor with its own query (live events
 *   that arrive meanwhile are buffered), then switches to live; positions dedupe the overlap.
 * See README.md in this folder for the contract.
 */
export class AlertFeed {
  private readonly pool: Pool;
  private listener?: Client;
  private position = 0;
  private readonly subscribers = new Set<AlertSubscriber>();
  private running = false;
  private again = false;
  private sequenceWanted = false;
  private closed = false;
  private tick?: NodeJS.Timeout;
  private reconnectDelay = 50;
  /** Called after every delivery round; tests use it to wait for quiet. */
  onDelivered?: (events: AlertEvent[]) => void;

  constructor(
    private readonly orm: MikroORM,
    private readonly options: {
      databaseUrl: string;
      tickMs?: number;
      pageSize?: number;
      /** Told what the feed reads and hands out (the server's metrics). */
      observer?: AlertFeedObserver;
      /** Runs after events are read and before they are handed out (sessions re-check credentials). */
      beforeDelivery?: () => Promise<void>;
      /** Runs when any instance announces an access change. */
      onAccessChanged?: () => void;
    } = { databaseUrl: '' },
  ) {
    this.pool = new Pool({ connectionString: options.databaseUrl, max: 4, application_name: 'trellis-alerts' });
    this.pool.on('error', (err) => logger.warn({ err }, 'alert feed pool error'));
  }

  /** Connections of the feed's pool, for the metrics. */
  get poolUse(): { total: number; idle: number; waiting: number; max: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount, max: 4 };
  }

  /** Whether the LISTEN connection is up and answers a query within `timeoutMs` (readiness). */
  async listening(timeoutMs = 2_000): Promise<boolean> {
    const listener = this.listener;
    if (!listener || this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        listener.query('select 1').then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** The pid of the LISTEN connection (tests terminate it to prove nothing is lost). */
  get listenerPid(): number | undefined {
    return (this.listener as unknown as { processID?: number })?.processID;
  }

  async start(): Promise<void> {
    const { rows } = await this.pool.query<{ position: string | null }>(`select max(position) as position from alert_event`);
    this.position = Number(rows[0]?.position ?? 0);
    await this.listen();
    this.tick = setInterval(() => this.wake(true), this.options.tickMs ?? 5_000);
    this.tick.unref();
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.options.databaseUrl, application_name: 'trellis-alerts-listen' });
    client.on('notification', (message) => {
      // A mutation on some instance may have changed who sees what: drop cached subscriber scopes.
      if (message.payload === ACCESS_CHANGED) {
        bumpAccessEpoch();
        this.options.onAccessChanged?.();
      } else this.wake(message.payload === 'written');
    });
    const lost = (err?: Error) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      if (this.closed) return;
      logger.warn({ err }, 'alert LISTEN connection lost; reconnecting');
      setTimeout(() => void this.reconnect(), this.reconnectDelay).unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    this.listener = client;
    await client.connect();
    await client.query('listen trellis_alert_events');
    // Access changes announced while we were not listening were missed: re-read scopes and credentials.
    bumpAccessEpoch();
    this.options.onAccessChanged?.();
    // Anything committed while we were not listening: sequence it and read from our position.
    this.wake(true);
  }

  private async reconnect(): Promise<void> {
    if (this.closed || this.listener) return;
    try {
      await this.listen();
      this.reconnectDelay = 50;
    } catch (err) {
      this.listener = undefined;
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, 2_000);
      logger.warn({ err }, 'alert LISTEN reconnect failed');
      setTimeout(() => void this.reconnect(), this.reconnectDelay).unref();
    }
  }

  /** Coalesces wake-ups: at most one round runs at a time, and one more follows if woken meanwhile. */
  wake(sequence: boolean): void {
    this.sequenceWanted ||= sequence;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.rounds();
  }

  private async rounds(): Promise<void> {
    try {
      do {
        this.again = false;
        const sequence = this.sequenceWanted;
        this.sequenceWanted = false;
        try {
          if (sequence) await this.pool.query('select trellis_sequence_alert_events()');
          await this.readNew();
        } catch (err) {
          if (this.closed) return;
          logger.warn({ err }, 'alert feed round failed; retrying');
          this.sequenceWanted = true;
          await new Promise((resolve) => setTimeout(resolve, 200));
          this.again = true;
        }
      } while (this.again && !this.closed);
    } finally {
      this.running = false;
    }
  }

  private async readNew(): Promise<void> {
    const pageSize = this.options.pageSize ?? 1_000;
    for (;;) {
      const { rows } = await this.pool.query<EventRow>(
        `select ${EVENT_COLUMNS} from alert_event e join alert a on a.id = e.alert_id
         where e.position > $1 order by e.position limit $2`,
        [this.position, pageSize],
      );
      if (rows.length === 0) return;
      const events = await this.hydrate(rows);
      await this.accessBefore();
      this.position = events[events.length - 1].position;
      this.options.observer?.read(events);
      for (const subscriber of this.subscribers) subscriber.offer(events);
      this.onDelivered?.(events);
      if (rows.length < pageSize) return;
    }
  }

  /**
   * Brings access up to date with events just read, before they are handed out. A round trip on the
   * LISTEN connection makes PostgreSQL send the notifications it holds for us first (it sends pending
   * ones before answering), so an `access` NOTIFY committed before these events has dropped cached
   * scopes by now; then credentials are read after the events (sessions.ts).
   */
  private async accessBefore(): Promise<void> {
    await this.listener?.query('select 1').catch(() => undefined);
    await this.options.beforeDelivery?.();
  }

  /** Turns rows into events, with each alert's school and rule loaded once for every subscriber. */
  async hydrate(rows: EventRow[]): Promise<AlertEvent[]> {
    const events = rows.map(eventFromRow);
    const em = this.orm.em.fork({ clear: true });
    const schoolIds = [...new Set(events.map((e) => e.alert.schoolId))];
    const schools = new Map((await em.find(School, { id: { $in: schoolIds } })).map((s) => [s.id, s]));
    const ruleIds = [...new Set(events.map((e) => e.alert.ruleId))];
    const rules = new Map((await em.find(TriggerRule, { id: { $in: ruleIds } })).map((r) => [r.id, r]));
    for (const event of events) {
      event.alert.school = schools.get(event.alert.schoolId);
      event.alert.rule = rules.get(event.alert.ruleId);
    }
    return events;
  }

  /**
   * A subscriber's stream: with `since`, everything after that position that matches, then live
   * events; without, live events from now.
   */
  subscribe(filter: AlertEventFilter, since?: number): AlertSubscriber {
    const subscriber = new AlertSubscriber(
      filter,
      since ?? this.position,
      () => this.subscribers.delete(subscriber),
      this.options.observer,
    );
    this.subscribers.add(subscriber);
    if (since !== undefined) void this.catchUp(subscriber, since);
    return subscriber;
  }

  private async catchUp(subscriber: AlertSubscriber, since: number): Promise<void> {
    subscriber.catchingUp = true;
    const filter = subscriber.filter;
    try {
      let cursor = since;
      for (;;) {
        const { rows } = await this.pool.query<EventRow>(
          `select ${EVENT_COLUMNS} from alert_event e join alert a on a.id = e.alert_id
           where e.position > $1 and e.kind = any($2::text[])
             and ($3::int is null or e.school_id = $3) and ($4::int is null or e.group_ids @> array[$4::int])
             and e.severity_rank >= $5
           order by e.position limit 500`,
          [
            cursor,
            filter.kinds,
            filter.schoolId ?? null,
            filter.groupId ?? null,
            filter.minSeverity ? SEVERITY_RANK[filter.minSeverity] : 0,
          ],
        );
        if (subscriber.done) return;
        if (rows.length === 0) break;
        const events = await this.hydrate(rows);
        await this.accessBefore();
        for (const event of events) subscriber.push(event, false);
        cursor = events[events.length - 1].position;
        if (rows.length < 500) break;
      }
      subscriber.endCatchUp();
    } catch (err) {
      subscriber.fail(err as Error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.tick) clearInterval(this.tick);
    for (const subscriber of this.subscribers) await subscriber.return();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 10));
    await this.pool.end();
  }
}

/** Told what the feed reads and hands to subscribers (the server's metrics). */
export interface AlertFeedObserver {
  /** Events read from the log, once per instance. */
  read(events: AlertEvent[]): void;
  /** An event handed to a subscription: replayed from `since` (live false) or live. */
  delivered(event: AlertEvent, live: boolean): void;
}

/** An async iterator of one subscriber's events, in position order, each once. */
export class AlertSubscriber implements AsyncIterableIterator<AlertEvent> {
  private readonly queue: { event: AlertEvent; live: boolean }[] = [];
  private readonly buffer: AlertEvent[] = [];
  private waiting?: { resolve: (r: IteratorResult<AlertEvent>) => void; reject: (e: Error) => void };
  private error?: Error;
  catchingUp = false;
  done = false;

  constructor(
    readonly filter: AlertEventFilter,
    private last: number,
    private readonly detach: () => void,
    private readonly observer?: AlertFeedObserver,
  ) {}

  /** Live events from the feed (buffered while catching up). */
  offer(events: AlertEvent[]): void {
    for (const event of events) {
      if (!matchesFilter(event, this.filter)) continue;
      if (this.catchingUp) this.buffer.push(event);
      else this.push(event);
    }
  }

  push(event: AlertEvent, live = true): void {
    if (this.done || event.position <= this.last) return;
    this.last = event.position;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      this.observer?.delivered(event, live);
      resolve({ value: event, done: false });
    } else this.queue.push({ event, live });
  }

  endCatchUp(): void {
    this.catchingUp = false;
    for (const event of this.buffer.splice(0)) this.push(event);
  }

  fail(error: Error): void {
    this.error = error;
    if (this.waiting) {
      this.waiting.reject(error);
      this.waiting = undefined;
    }
    this.detach();
  }

  next(): Promise<IteratorResult<AlertEvent>> {
    const queued = this.queue.shift();
    if (queued) {
      this.observer?.delivered(queued.event, queued.live);
      return Promise.resolve({ value: queued.event, done: false });
    }
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<AlertEvent>> {
    this.done = true;
    this.queue.length = 0;
    this.detach();
    if (this.waiting) {
      this.waiting.resolve({ value: undefined, done: true });
      this.waiting = undefined;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: Error): Promise<IteratorResult<AlertEvent>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AlertEvent> {
    return this;
  }
}
