import type { MikroORM } from '@mikro-orm/postgresql';
import type { Express } from 'express';
import type { AlertFeed } from '../alerts/alert-feed';
import { logger } from '../logger';

/**
 * Probes for orchestrators and load balancers:
 * - GET /healthz (and /health, its old name): the process is up and serving HTTP. Never touches
 *   the database, so a database outage does not get every instance restarted.
 * - GET /readyz: this instance can do its work: the database answers, every migration this code
 *   knows is applied, and the alert feed's LISTEN connection is alive (without it, subscribers on
 *   this instance would only hear of alerts on the 5 s tick). 503 with the failing checks otherwise,
 *   and 503 from the moment a shutdown starts, so a load balancer stops sending new requests.
 */
export interface HealthState {
  /** Set when shutdown starts. */
  draining: boolean;
}

interface Check {
  ok: boolean;
  detail?: string;
}

const PROBE_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<T>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS)),
    ),
  ]).finally(() => clearTimeout(timer));
}

export function healthRoutes(app: Express, deps: { orm: MikroORM; alertFeed: AlertFeed; state: HealthState }): void {
  app.get(['/healthz', '/health'], (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const checks: Record<'database' | 'migrations' | 'listen', Check> = {
      database: { ok: false },
      migrations: { ok: false },
      listen: { ok: false },
    };
    try {
      await withTimeout(deps.orm.em.getConnection().execute('select 1'), 'PostgreSQL');
      checks.database = { ok: true };
      const pending = await withTimeout(deps.orm.getMigrator().getPendingMigrations(), 'the migrations table');
      checks.migrations = pending.length
        ? { ok: false, detail: `${pending.length} pending: ${pending.map((m) => m.name).join(', ')} (run npm run migrate)` }
        : { ok: true };
    } catch (err) {
      checks.database = { ok: false, detail: 'database unreachable' };
      checks.migrations = { ok: false, detail: 'not checked: database unreachable' };
      logger.warn({ err }, 'readiness: database check failed');
    }
    checks.listen = (await deps.alertFeed.listening(PROBE_TIMEOUT_MS))
      ? { ok: true }
      : { ok: false, detail: 'alert LISTEN connection down (reconnecting)' };
    const ready = !deps.state.draining && Object.values(checks).every((check) => check.ok);
    res.status(ready ? 200 : 503).json({ status: deps.state.draining ? 'draining' : ready ? 'ready' : 'not ready', checks });
  });
}
