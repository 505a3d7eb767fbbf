/**
 * Analytics on England-sized data: supportCapacity for all of England and partnerCandidates, each
 * beside a plain SQL baseline run in the same process, against the same database, interleaved (the
 * same computation as one hand-written query, PostGIS-free: a full scan with the haversine formula,
 * no distance index).
 *
 *   npm run bench:analytics
 *
 * Uses DATABASE_URL's server when set, else an embedded PostgreSQL. A scratch database is created,
 * seeded with `seed england` (schools, then inspections, measures and bands; SCALE, default 1) and
 * dropped; BENCH_DATABASE=<name> reuses an already seeded database instead (kept).
 * ROUNDS (default 5) capacity runs per side; SAMPLE (default 100) schools in need for candidates.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { CapacityLevel } from '../src/analytics/analytics.enums';
import { refreshStaleBands } from '../src/analytics/bands.service';
import { candidatesWithin } from '../src/analytics/candidates.service';
import { supportCapacity } from '../src/analytics/capacity.service';
import { loadAuthConfig } from '../src/config';
import { toGlobalId } from '../src/core/node';
import { ensureDatabase } from '../src/database/database';
import { startEmbeddedPostgres, withDatabase } from '../src/database/embedded';
import { migrate, openOrm } from '../src/database/orm';
import { seedEngland } from '../src/demo/england';
import { startServer } from '../src/server/app';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SAMPLE = Number(process.env.SAMPLE ?? 100);
const RADIUS_KM = 10;

/** The haversine formula written out, as a hand-written baseline would (mean Earth radius, km). */
const haversine = (a: string, b: string) => `2 * 6371.0088 * asin(least(1, sqrt(power(sin(radians(${b}.latitude - ${a}.latitude) / 2), 2)
  + cos(radians(${a}.latitude)) * cos(radians(${b}.latitude)) * power(sin(radians(${b}.longitude - ${a}.longitude) / 2), 2))))`;

/** supportCapacity by local authority, all phases: the same counts, median and gaps, every pair of schools measured. */
const CAPACITY_BASELINE = `
  with banded as (
    select s.id, s.phase, s.la_code, s.la_name, s.latitude, s.longitude, b.band
    from school s join performance_band b on b.school_id = s.id
    where s.status in ('open', 'proposed_to_close') and b.band in ('high_performing', 'in_need')),
  reach as (
    select n.id, (select count(*) from banded c where c.band = 'high_performing' and c.phase = n.phase and c.id <> n.id
                  and ${haversine('n', 'c')} <= $1)::int as within
    from banded n where n.band = 'in_need' and n.latitude is not null and n.longitude is not null)
  select s.la_code::text as key, s.la_name as name,
    count(*) filter (where s.band = 'high_performing')::int as high_performing, count(*) filter (where s.band = 'in_need')::int as in_need,
    percentile_cont(0.5) within group (order by r.within) as median_within, count(*) filter (where r.within = 0)::int as without_candidate
  from banded s left join reach r on r.id = s.id group by s.la_code, s.la_name order by without_candidate desc, key`;

/** partnerCandidates' SQL part: high-performing open schools of the phase within the radius, with commitments. */
const CANDIDATES_BASELINE = `
  with o as (select * from school where id = $1)
  select c.id, ${haversine('o', 'c')} as distance_km, c.pupils_on_roll, c.percent_fsm, c.urban_rural,
    (select count(*) from support_link sl where sl.giver_id = c.id and sl.started_on <= current_date and (sl.ends_on is null or sl.ends_on >= current_date))::int as links,
    (select coalesce(sum(greatest(sl.staff_days_committed - sl.staff_days_delivered, 0)), 0) from support_link sl
       where sl.giver_id = c.id and sl.started_on <= current_date and (sl.ends_on is null or sl.ends_on >= current_date)) as owed,
    (select count(*) from membership m where m.school_id = c.id and m.joined_on <= current_date and (m.left_on is null or m.left_on > current_date))::int as memberships
  from o join school c on c.phase = o.phase and c.status in ('open', 'proposed_to_close') and c.id <> o.id
  join performance_band b on b.school_id = c.id and b.band = 'high_performing'
  where ${haversine('o', 'c')} <= $2
  order by distance_km, c.id`;

async function time<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [Number(process.hrtime.bigint() - started) / 1e6, result];
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-'));
    const embedded = await startEmbeddedPostgres(dataDir, 55_000 + (process.pid % 1000), { durable: false });
    serverUrl = embedded.serverUrl;
    stop = async () => {
      await embedded.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const reuse = process.env.BENCH_DATABASE;
  const database = reuse ?? `trellis_bench_analytics_${process.pid}`;
  if (!reuse) await ensureDatabase(serverUrl, database);
  const databaseUrl = withDatabase(serverUrl, database);
  const orm = await openOrm({ clientUrl: databaseUrl });
  const sql = new Client({ connectionString: databaseUrl });
  sql.on('error', () => undefined);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    await migrate(orm);
    if (!reuse) {
      const seeded = await seedEngland(orm, { scale: Number(process.env.SCALE ?? 1) });
      process.stdout.write(
        `seeded England: ${seeded.counts.school} schools in ${(seeded.buildSeconds + seeded.writeSeconds).toFixed(1)} s; evidence ${seeded.evidence.inspections} inspections, ${seeded.evidence.measures} measures in ${seeded.evidence.seconds.toFixed(1)} s (bands ${seeded.evidence.bandSeconds.toFixed(1)} s)\n`,
      );
    }
    await refreshStaleBands(orm);
    await sql.connect();
    const { rows: bands } = await sql.query(
      `select b.band, count(*)::int as n from performance_band b join school s on s.id = b.school_id where s.status in ('open', 'proposed_to_close') group by 1 order by 1`,
    );
    process.stdout.write(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(
          ' ',
        )} at start; node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model}); ${(await sql.query('select version()')).rows[0].version.split(',')[0]}\n` +
        `open schools by band: ${bands.map((b) => `${b.band} ${b.n}`).join(', ')}; radius ${RADIUS_KM} km\n`,
    );
    server = await startServer({ orm, port: 0, auth: { ...loadAuthConfig(), requireAuth: false }, sweepIntervalMs: 0 });
    const url = server.url.replace('localhost', '127.0.0.1');
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };

    // --- supportCapacity, all of England ------------------------------------------------------------
    const capacityQuery = `query ($level: CapacityLevel!, $radiusKm: Float!) { supportCapacity(level: $level, radiusKm: $radiusKm) {
      total { highPerformingCount inNeedCount ratio medianHighPerformingWithinRadius inNeedWithoutCandidateCount }
      areas(first: 100) { totalCount edges { node { name highPerformingCount inNeedCount ratio medianHighPerformingWithinRadius inNeedWithoutCandidateCount } } } } }`;
    const times: Record<string, number[]> = { graphql: [], service: [], baseline: [], constituency: [], region: [] };
    let same = true;
    await gql(capacityQuery, { level: 'LOCAL_AUTHORITY', radiusKm: RADIUS_KM }); // warm-up
    await sql.query(CAPACITY_BASELINE, [RADIUS_KM]);
    let total: any;
    for (let round = 0; round < ROUNDS; round++) {
      const [g, data] = await time(() => gql(capacityQuery, { level: 'LOCAL_AUTHORITY', radiusKm: RADIUS_KM }));
      total = data.supportCapacity.total;
      const [s, ours] = await time(() => supportCapacity(orm.em.fork() as EntityManager, CapacityLevel.LOCAL_AUTHORITY, null, RADIUS_KM));
      const [b, base] = await time(() => sql.query(CAPACITY_BASELINE, [RADIUS_KM]));
      const [c] = await time(() => gql(capacityQuery, { level: 'CONSTITUENCY', radiusKm: RADIUS_KM }));
      const [r] = await time(() => gql(capacityQuery, { level: 'REGION', radiusKm: RADIUS_KM }));
      times.graphql.push(g);
      times.service.push(s);
      times.baseline.push(b);
      times.constituency.push(c);
      times.region.push(r);
      const key = (row: any) => `${row.key}|${row.high_performing}|${row.in_need}|${Number(row.median_within)}|${row.without_candidate}`;
      same &&= JSON.stringify(ours.areas.map(key).sort()) === JSON.stringify(base.rows.map(key).sort());
    }
    const median = (values: number[]) => quantile(values, 0.5);
    process.stdout.write(
      `\nsupportCapacity, all England, every phase, ${RADIUS_KM} km (median of ${ROUNDS}): ${total.inNeedCount} in need, ${total.highPerformingCount} high-performing, ` +
        `median ${total.medianHighPerformingWithinRadius} within reach, ${total.inNeedWithoutCandidateCount} with none\n` +
        `  GraphQL over HTTP, by local authority   ${ms(median(times.graphql))}\n` +
        `  GraphQL over HTTP, by constituency      ${ms(median(times.constituency))}\n` +
        `  GraphQL over HTTP, by region            ${ms(median(times.region))}\n` +
        `  Trellis service (one statement + count) ${ms(median(times.service))}\n` +
        `  baseline SQL (haversine full scan)      ${ms(median(times.baseline))}   ratio baseline / Trellis service ${(median(times.baseline) / median(times.service)).toFixed(1)}x, / GraphQL ${(median(times.baseline) / median(times.graphql)).toFixed(1)}x; same answer: ${same ? 'yes' : 'NO'}\n`,
    );

    // --- partnerCandidates -----------------------------------------------------------------------------
    const { rows: sample } = await sql.query(
      `select s.id from school s join performance_band b on b.school_id = s.id
       where b.band = 'in_need' and s.status = 'open' and s.latitude is not null order by hashtext(s.urn::text) limit $1`,
      [SAMPLE],
    );
    const candidatesQuery = `query ($id: ID!, $radiusKm: Float!) { partnerCandidates(schoolId: $id, radiusKm: $radiusKm, first: 10) {
      totalCount edges { node { distanceKm score reasons commitments { supportLinksGiven staffDaysOwed memberships } school { urn name } } } } }`;
    const c: Record<string, number[]> = { graphql: [], service: [], baseline: [], found: [], floor: [] };
    // What any request costs here (HTTP, Apollo, limits, one indexed read), for scale.
    const floorQuery = `query ($id: ID!) { school(id: $id) { urn name } }`;
    let sameCandidates = true;
    await gql(candidatesQuery, { id: toGlobalId('School', sample[0].id), radiusKm: RADIUS_KM });
    for (const { id } of sample) {
      const [g, data] = await time(() => gql(candidatesQuery, { id: toGlobalId('School', id), radiusKm: RADIUS_KM }));
      const em = orm.em.fork() as EntityManager;
      const [s, found] = await time(() => candidatesWithin(em, id, RADIUS_KM));
      const ours = found!.rows;
      const [b, base] = await time(() => sql.query(CANDIDATES_BASELINE, [id, RADIUS_KM]));
      c.graphql.push(g);
      c.service.push(s);
      c.baseline.push(b);
      c.found.push(data.partnerCandidates.totalCount);
      c.floor.push((await time(() => gql(floorQuery, { id: toGlobalId('School', id) })))[0]);
      sameCandidates &&= JSON.stringify(ours.map((row) => row.id)) === JSON.stringify(base.rows.map((row) => row.id));
    }
    process.stdout.write(
      `\npartnerCandidates, ${sample.length} schools in need, ${RADIUS_KM} km, first 10 (candidates found: median ${median(c.found)}, max ${Math.max(...c.found)})\n` +
        `  GraphQL over HTTP        p50 ${ms(quantile(c.graphql, 0.5))}  p95 ${ms(quantile(c.graphql, 0.95))}  max ${ms(Math.max(...c.graphql))}\n` +
        `  (one school by ID, for scale: p50 ${ms(quantile(c.floor, 0.5))}  p95 ${ms(quantile(c.floor, 0.95))})\n` +
        `  Trellis SQL (GiST index, one statement) p50 ${ms(quantile(c.service, 0.5))}  p95 ${ms(quantile(c.service, 0.95))}\n` +
        `  baseline SQL (full scan) p50 ${ms(quantile(c.baseline, 0.5))}  p95 ${ms(quantile(c.baseline, 0.95))}   ratio p50 baseline / Trellis SQL ${(quantile(c.baseline, 0.5) / quantile(c.service, 0.5)).toFixed(1)}x, / GraphQL ${(quantile(c.baseline, 0.5) / quantile(c.graphql, 0.5)).toFixed(1)}x; same answer: ${sameCandidates ? 'yes' : 'NO'}\n` +
        `\nload average ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} at end\n`,
    );
  } finally {
    await server?.close();
    await sql.end().catch(() => undefined);
    await orm.close(true);
    if (!reuse) {
      const admin = new Client({ connectionString: serverUrl });
      admin.on('error', () => undefined);
      await admin.connect();
      await admin.query(`drop database if exists "${database}" with (force)`);
      await admin.end();
    }
    await stop?.();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
