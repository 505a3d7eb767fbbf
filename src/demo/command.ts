import { UsageError } from '../command-line';
import type { MikroORM } from '@mikro-orm/postgresql';
import { loadDemoIfEmpty } from './demo';
import { seedBenchEvidence } from './bench-evidence';
import { seedEngland } from './england';

export const SEED_USAGE = 'seed england [--scale N] [--replace] | seed bench-evidence | seed demo';

export interface SeedReport {
  dataset: 'england' | 'demo';
  loaded: boolean;
  seconds: number;
  counts: Record<string, number>;
  note?: string;
  /** England only: seconds generating rows in memory, and writing them (one transaction, then analyze). */
  buildSeconds?: number;
  writeSeconds?: number;
  /** England only: seconds for the evidence step (inspections, measures, performance bands). */
  evidenceSeconds?: number;
}

/** `trellis seed ...`: the England-size benchmark data, or the demo into an empty database. */
export async function runSeedCommand(orm: MikroORM, args: string[]): Promise<SeedReport> {
  const [which, ...flags] = args;
  const started = performance.now();
  const seconds = () => Number(((performance.now() - started) / 1000).toFixed(2));
  if (which === 'demo') {
    const result = await loadDemoIfEmpty(orm);
    return {
      dataset: 'demo',
      loaded: result.loaded,
      seconds: seconds(),
      counts: result.counts,
      note: result.loaded ? undefined : 'The database already has schools: the demo loads only into an empty database.',
    };
  }
  if (which === 'england') {
    const scaleAt = flags.indexOf('--scale');
    const scale = scaleAt >= 0 ? Number(flags[scaleAt + 1]) : 1;
    if (!(scale > 0 && scale <= 10))
      throw new UsageError(`--scale is "${flags[scaleAt + 1] ?? ''}": give a number above 0 and at most 10.`);
    const result = await seedEngland(orm, { scale, replace: flags.includes('--replace') });
    return {
      dataset: 'england',
      loaded: true,
      seconds: seconds(),
      buildSeconds: Number(result.buildSeconds.toFixed(2)),
      writeSeconds: Number(result.writeSeconds.toFixed(2)),
      counts: { ...result.counts, inspection: result.evidence.inspections, outcome_measure: result.evidence.measures },
      evidenceSeconds: Number(result.evidence.seconds.toFixed(2)),
    };
  }
  if (which === 'bench-evidence') {
    // Inspections, outcome measures and the alerts they raise, for every open school held (bench/queries).
    const { seconds: _, ...counts } = await seedBenchEvidence(orm);
    return { dataset: 'england', loaded: true, seconds: seconds(), counts };
  }
  throw new Error(`usage: trellis ${SEED_USAGE}`);
}
