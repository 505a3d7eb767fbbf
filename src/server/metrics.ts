import type { MikroORM } from '@mikro-orm/postgresql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AlertEvent } from '../alerts/alert-event';
import type { AlertFeed, AlertFeedObserver } from '../alerts/alert-feed';

/**
 * Prometheus metrics for one server (prom-client), served at GET /metrics. One registry per server,
 * so two instances in one process (the tests) keep their own counts.
 *
 * Operation names come from clients, so the `operation` label is bounded: the first 200 distinct
 * names are kept, later ones are counted as "(other)".
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  readonly requests: Counter<'operation' | 'type' | 'status'>;
  readonly latency: Histogram<'operation' | 'type'>;
  readonly errors: Counter<'code'>;
  readonly subscriptionsStarted: Counter<'operation'>;
  readonly alertsRaised: Counter<'severity'>;
  readonly alertDeliveries: Counter<'phase'>;
  readonly alertDeliveryLag: Histogram;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'trellis_' });
    this.requests = new Counter({
      name: 'trellis_graphql_requests_total',
      help: 'GraphQL operations over HTTP, by operation name, type (query, mutation) and status (ok: no errors; error: any error)',
      labelNames: ['operation', 'type', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'trellis_graphql_request_duration_seconds',
      help: 'Time from receiving an HTTP GraphQL request to sending its response, by operation name and type',
      labelNames: ['operation', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.errors = new Counter({
      name: 'trellis_graphql_errors_total',
      help: 'GraphQL errors returned, by extensions.code (BAD_USER_INPUT, UNAUTHENTICATED, FORBIDDEN, INTERNAL_SERVER_ERROR, ...)',
      labelNames: ['code'],
      registers,
    });
    this.subscriptionsStarted = new Counter({
      name: 'trellis_subscriptions_started_total',
      help: 'Operations started over WebSocket (graphql-ws), by operation name',
      labelNames: ['operation'],
      registers,
    });
    this.alertsRaised = new Counter({
      name: 'trellis_alerts_raised_total',
      help: 'Alerts raised, by severity, as read from the alert log by this instance (every instance reads every alert: do not sum across instances)',
      labelNames: ['severity'],
      registers,
    });
    this.alertDeliveries = new Counter({
      name: 'trellis_alert_deliveries_total',
      help: 'Alert events handed to a subscription on this instance; phase catch_up for events replayed from since, live otherwise',
      labelNames: ['phase'],
      registers,
    });
    this.alertDeliveryLag = new Histogram({
      name: 'trellis_alert_delivery_lag_seconds',
      help: 'From the writing transaction that logged an alert event to its hand-over to a live subscription',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  /** The operation label for a client-given name (bounded, see the class comment). */
  operationLabel(name: string | null | undefined): string {
    if (!name) return '(anonymous)';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= 200) return '(other)';
    this.operationNames.add(name);
    return name;
  }

  /** Counts one HTTP GraphQL operation. */
  recordRequest(operation: string, type: string, seconds: number, errorCodes: string[]): void {
    this.requests.inc({ operation, type, status: errorCodes.length ? 'error' : 'ok' });
    this.latency.observe({ operation, type }, seconds);
    for (const code of errorCodes) this.errors.inc({ code });
  }

  /** What the alert feed reports: alerts raised, and each hand-over to a subscriber. */
  alertObserver(): AlertFeedObserver {
    return {
      read: (events: AlertEvent[]) => {
        for (const event of events) if (event.kind === 'raised') this.alertsRaised.inc({ severity: event.alert.severity });
      },
      delivered: (event: AlertEvent, live: boolean) => {
        this.alertDeliveries.inc({ phase: live ? 'live' : 'catch_up' });
        if (live) this.alertDeliveryLag.observe(Math.max(0, (Date.now() - new Date(event.occurredAt).getTime()) / 1000));
      },
    };
  }

  /** Gauges read when scraped: sockets, subscriptions and database pools. */
  watch(sources: { orm: MikroORM; alertFeed: AlertFeed; openSockets: () => number; activeSubscriptions: () => number }): void {
    const registers = [this.registry];
    new Gauge({
      name: 'trellis_websocket_connections',
      help: 'Open WebSocket connections',
      registers,
      collect() {
        this.set(sources.openSockets());
      },
    });
    new Gauge({
      name: 'trellis_subscriptions_active',
      help: 'Operations running over WebSocket now (subscriptions, mostly)',
      registers,
      collect() {
        this.set(sources.activeSubscriptions());
      },
    });
    const ormPool = () => {
      const knex = (sources.orm.em.getConnection() as unknown as { getKnex(): { client: { pool?: TarnPool } } }).getKnex();
      return knex.client.pool;
    };
    new Gauge({
      name: 'trellis_db_pool_connections',
      help: 'Database connections by pool (orm: requests; alerts: the alert feed) and state (used, idle, waiting for one)',
      labelNames: ['pool', 'state'],
      registers,
      collect() {
        const orm = ormPool();
        this.set({ pool: 'orm', state: 'used' }, orm?.numUsed() ?? 0);
        this.set({ pool: 'orm', state: 'idle' }, orm?.numFree() ?? 0);
        this.set({ pool: 'orm', state: 'waiting' }, orm?.numPendingAcquires() ?? 0);
        const alerts = sources.alertFeed.poolUse;
        this.set({ pool: 'alerts', state: 'used' }, alerts.total - alerts.idle);
        this.set({ pool: 'alerts', state: 'idle' }, alerts.idle);
        this.set({ pool: 'alerts', state: 'waiting' }, alerts.waiting);
      },
    });
    new Gauge({
      name: 'trellis_db_pool_max',
      help: 'Most connections each database pool opens',
      labelNames: ['pool'],
      registers,
      collect() {
        this.set({ pool: 'orm' }, ormPool()?.max ?? 0);
        this.set({ pool: 'alerts' }, sources.alertFeed.poolUse.max);
      },
    });
  }
}

/** The parts of knex's tarn pool read here. */
interface TarnPool {
  max: number;
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}
