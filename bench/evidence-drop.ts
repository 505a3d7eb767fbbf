/**
 * How long an England-sized data drop takes: 24,000 schools x 10 metrics = 240,000 values, checked
 * and written set-based in one transaction (what `measuresRecordBulk` and `trellis evidence
 * measures-csv` do), first as new values, then as changed values, then unchanged. With EVALUATE=1,
 * once more with the `measures.recorded` event (the alert rules run in the same transaction), and
 * the cost of GraphQL's coercion of the 240,000 input objects (what the mutation adds).
 *
 *   npm run bench:evidence        (or: npx tsc -p bench/tsconfig.json; node dist/bench/evidence-drop.js)
 *
 * Uses DATABASE_URL's server when set (a scratch database is created and dropped), else an embedded one.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ensureDatabase } from '../src/database/database';
import { startEmbeddedPostgres, withDatabase } from '../src/database/embedded';
import { migrate, openOrm } from '../src/database/orm';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OutcomeMetric } from '../src/evidence/evidence.enums';
import { checkMeasures, MeasureItem, MeasureRow, recordMeasures, writeMeasures } from '../src/evidence/measures.service';

const SCHOOLS = Number(process.env.SCHOOLS ?? 24_000);
const METRICS: OutcomeMetric[] = [
  OutcomeMetric.KS2_RWM_EXPECTED_PCT,
  OutcomeMetric.KS2_RWM_HIGHER_PCT,
  OutcomeMetric.KS2_READING_EXPECTED_PCT,
  OutcomeMetric.KS2_WRITING_EXPECTED_PCT,
  OutcomeMetric.KS2_MATHS_EXPECTED_PCT,
  OutcomeMetric.KS2_READING_PROGRESS,
  OutcomeMetric.KS2_WRITING_PROGRESS,
  OutcomeMetric.KS2_MATHS_PROGRESS,
  OutcomeMetric.ATTENDANCE_PCT,
  OutcomeMetric.PERSISTENT_ABSENCE_PCT,
];

function drop(shift: number): MeasureItem[] {
  const items: MeasureItem[] = [];
  for (let n = 1; n <= SCHOOLS; n += 1) {
    for (const metric of METRICS) {
      const progress = metric.endsWith('_progress');
      const value = progress ? Math.round(((n % 100) / 10 - 5 + shift) * 10) / 10 : Math.round((((n * 7) % 90) + 5 + shift) * 10) / 10;
      items.push({ urn: 300_000 + n, metric, academicYear: '2022/23', value });
    }
  }
  return items;
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  const result = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${label.padEnd(58)} ${seconds.toFixed(2)} s  ${JSON.stringify(result)}\n`);
  return result;
}

async function main(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-'));
    const embedded = await startEmbeddedPostgres(dataDir, 54_000 + (process.pid % 1000), { durable: false });
    serverUrl = embedded.serverUrl;
    stop = async () => {
      await embedded.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const database = `trellis_bench_evidence_${process.pid}`;
  await ensureDatabase(serverUrl, database);
  const orm = await openOrm({ clientUrl: withDatabase(serverUrl, database) });
  try {
    await migrate(orm);
    const em = orm.em.fork() as EntityManager;
    await em.execute(
      `insert into school (urn, name, phase, establishment_type, status, created_at, updated_at)
       select 300000 + n, 'Bench school ' || n, 'primary', 'community_school', 'open', now(), now() from generate_series(1, ${SCHOOLS}) n`,
    );
    process.stdout.write(
      `${SCHOOLS} schools x ${METRICS.length} metrics = ${SCHOOLS * METRICS.length} values; node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model})\n`,
    );

    // Without the event: the evidence layer's own cost (validation, school lookup, set-based upsert).
    // With it: whatever `measures.recorded` handlers are registered (the alert rules) run on top.
    const run = (items: MeasureItem[], announce: boolean) =>
      orm.em.fork().transactional(async (tx) => {
        const { rows, problems } = await checkMeasures(tx as EntityManager, items);
        if (problems.length > 0) throw new Error(`unexpected problems: ${JSON.stringify(problems.slice(0, 3))}`);
        const write = announce ? recordMeasures : writeMeasures;
        const { created, updated, unchanged } = await write(tx as EntityManager, rows as MeasureRow[], 'bench');
        return { created, updated, unchanged };
      });

    await timed('check + write, all new', () => run(drop(0), false));
    await timed('check + write, all changed', () => run(drop(0.5), false));
    await timed('check + write, all unchanged', () => run(drop(0.5), false));
    if (!process.env.EVALUATE) {
      process.stdout.write('(set EVALUATE=1 to add the measures.recorded handlers, i.e. the alert rules, and the GraphQL path)\n');
      return;
    }
    await timed('check + write + measures.recorded handlers, all changed', () => run(drop(0.25), true));

    // What GraphQL adds before the resolver runs: coercing 240,000 input objects (enum names to codes).
    const { coerceInputValue } = await import('graphql');
    const { trellisSchema } = await import('../src/server/schema');
    const schema = await trellisSchema();
    const inputType = schema.getType('MeasuresRecordBulkInput');
    const names = new Map(Object.entries(OutcomeMetric).map(([name, code]) => [code as string, name]));
    const measures = drop(1).map((item) => ({ ...item, metric: names.get(item.metric) }));
    await timed('GraphQL input coercion of the drop (measuresRecordBulk)', async () => {
      const coerced = coerceInputValue({ source: 'bench', measures }, inputType as never) as { measures: unknown[] };
      return { items: coerced.measures.length };
    });
  } finally {
    await orm.close(true);
    const admin = new Client({ connectionString: serverUrl });
    admin.on('error', () => undefined);
    await admin.connect();
    await admin.query(`drop database if exists "${database}" with (force)`);
    await admin.end();
    await stop?.();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
