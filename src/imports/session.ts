import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { ReportBuilder } from './report';

export interface ImportOptions {
  /** Check the file without writing: every statement runs, then everything is rolled back. */
  dryRun?: boolean;
}

/** Runs one unit of an import's writing (a batch of rows) in its own transaction. */
export type Batch = <T>(work: (em: EntityManager) => Promise<T>) => Promise<T>;

class DryRunDone extends Error {}

/**
 * Gives an importer its transactions. Normally each batch commits on its own, so a long file makes
 * progress and a failure loses one batch at most. In a dry run the whole import runs inside one
 * transaction (each batch a savepoint in it), so later batches see what earlier ones would have
 * written and the counts are the real run's, and that transaction is rolled back at the end: no row,
 * alert or notification survives it.
 */
export async function importSession(
  orm: MikroORM,
  options: ImportOptions,
  report: ReportBuilder,
  body: (batch: Batch) => Promise<void>,
): Promise<void> {
  if (!options.dryRun) {
    await body((work) => orm.em.fork().transactional((tx) => work(tx as EntityManager)));
    return;
  }
  report.dryRun();
  try {
    await orm.em.fork().transactional(async (outer) => {
      await body((work) => outer.transactional((tx) => work(tx as EntityManager)));
      throw new DryRunDone('dry run: rolled back');
    });
  } catch (error) {
    if (!(error instanceof DryRunDone)) throw error;
  }
}
