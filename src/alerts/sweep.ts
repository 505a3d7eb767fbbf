import type { MikroORM } from '@mikro-orm/postgresql';
import { logger } from '../logger';
import { resolveAlertsOfSchoolsNotEvaluated } from './closed-schools';
import type { EntityManager } from '@mikro-orm/postgresql';
import { evaluate, TIME_BASED_KINDS } from './evaluation';

/**
 * Dated changes other folders make when their day comes (a membership ended by consent on its agreed
 * date), run first in the sweep's transaction so the rules below see the graph as it is today.
 */
const steps: ((em: EntityManager) => Promise<unknown>)[] = [];
export function registerSweepStep(step: (em: EntityManager) => Promise<unknown>): void {
  steps.push(step);
}

/**
 * Work that needs its own transactions and locks, run before the sweep's (performance bands recomputed
 * when the day has turned: analytics/bands.service.ts registers it), so the rules read what it wrote.
 */
const preludes: ((orm: MikroORM) => Promise<unknown>)[] = [];
export function registerSweepPrelude(prelude: (orm: MikroORM) => Promise<unknown>): void {
  preludes.push(prelude);
}

/**
 * Evaluates the rules that become true with the passing of time (isolation, review overdue, terms
 * ending, support falling behind, vacancies as terms lapse) over every open school, and resolves the
 * alerts of any school that is no longer open, however it came to close. First it runs the preludes
 * (e.g. every performance band recomputed when the day has turned). Safe on every instance
 * at once: a transaction-scoped advisory lock lets one sweep run at a time (the others skip), and
 * the one-open-alert index would refuse duplicates anyway. Returns the number of alerts raised, or
 * null when another instance was sweeping.
 */
export async function sweepTimeBasedRules(orm: MikroORM): Promise<number | null> {
  for (const prelude of preludes) await prelude(orm);
  return orm.em.fork().transactional(async (em) => {
    const [{ locked }] = (await em.execute(`select pg_try_advisory_xact_lock(7353002) as locked`)) as { locked: boolean }[];
    if (!locked) return null;
    for (const step of steps) await step(em);
    await resolveAlertsOfSchoolsNotEvaluated(em, undefined, 'The school is no longer open.');
    return evaluate(em, TIME_BASED_KINDS, {});
  });
}

/** Runs the sweep every `intervalMs` (first after one interval); returns a stop function. */
export function scheduleSweep(orm: MikroORM, intervalMs: number): () => void {
  if (!(intervalMs > 0)) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepTimeBasedRules(orm)
      .then((raised) => logger.info({ raised }, 'time-based trigger rules swept'))
      .catch((err) => logger.error({ err }, 'trigger rule sweep failed'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
