import type { EntityManager } from '@mikro-orm/postgresql';
import { publish } from '../core/domain-events';
import { fromGlobalId } from '../core/node';
import { isOutcomeMetric, METRICS, OutcomeMetric } from './evidence.enums';

/** One value of a data drop as given: the school by URN or by global ID, nothing checked yet. */
export interface MeasureItem {
  urn?: number | null;
  schoolId?: string | null;
  metric: string;
  academicYear: string;
  value: number;
}

/** A checked value, ready to write. */
export interface MeasureRow {
  schoolId: number;
  metric: OutcomeMetric;
  academicYear: string;
  value: number;
  /** Where the value came from, when it differs from the drop's own source. */
  source?: string;
}

/** What is wrong with one item: its position in the drop and the field at fault. */
export interface ItemProblem {
  index: number;
  field: 'urn' | 'schoolId' | 'metric' | 'academicYear' | 'value';
  message: string;
}

export interface WriteCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/** Why a text is not an academic year ('2017/18'), or undefined when it is one. */
export function academicYearProblem(year: string): string | undefined {
  const match = /^(\d{4})\/(\d{2})$/.exec(year);
  if (!match) return `must be an academic year written 'YYYY/YY' (e.g. '2017/18'); got '${year}'.`;
  if ((Number(match[1]) + 1) % 100 !== Number(match[2]))
    return `'${year}' is not an academic year: the second year must follow the first (e.g. '2017/18').`;
  if (Number(match[1]) < 1990 || Number(match[1]) > 2100) return `'${year}' is outside the years Trellis records (1990/91 to 2100/01).`;
  return undefined;
}

/** Why a value does not fit a metric, or undefined when it does. */
export function valueProblem(metric: OutcomeMetric, value: number): string | undefined {
  const spec = METRICS[metric];
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number.';
  if (value < spec.min || value > spec.max) return `must be between ${spec.min} and ${spec.max} for ${metric}; got ${value}.`;
  return undefined;
}

/**
 * Checks every item of a drop and resolves schools with one statement per kind of reference, so a
 * national drop costs two lookups, not one per school. Items with a problem are left out of `rows`.
 */
export async function checkMeasures(
  em: EntityManager,
  items: MeasureItem[],
): Promise<{ rows: (MeasureRow | undefined)[]; problems: ItemProblem[] }> {
  const problems: ItemProblem[] = [];
  const urns = new Set<number>();
  const ids = new Set<number>();
  const parsedIds: (number | undefined)[] = new Array(items.length);
  items.forEach((item, index) => {
    const hasUrn = item.urn != null;
    const hasId = item.schoolId != null;
    if (hasUrn === hasId) {
      problems.push({ index, field: hasUrn ? 'schoolId' : 'urn', message: 'give exactly one of urn and schoolId.' });
    } else if (hasUrn) {
      if (!Number.isInteger(item.urn) || (item.urn as number) <= 0 || (item.urn as number) > 2_147_483_647) {
        problems.push({ index, field: 'urn', message: `is not a URN (a positive whole number); got ${item.urn}.` });
      } else urns.add(item.urn as number);
    } else {
      const parsed = fromGlobalId(item.schoolId as string);
      if (!parsed || parsed.typeName !== 'School') problems.push({ index, field: 'schoolId', message: 'is not the ID of a School.' });
      else ids.add((parsedIds[index] = parsed.id));
    }
    if (!isOutcomeMetric(item.metric)) {
      problems.push({ index, field: 'metric', message: `'${item.metric}' is not a known metric.` });
    } else {
      const wrongValue = valueProblem(item.metric, item.value);
      if (wrongValue) problems.push({ index, field: 'value', message: wrongValue });
    }
    const wrongYear = academicYearProblem(item.academicYear);
    if (wrongYear) problems.push({ index, field: 'academicYear', message: wrongYear });
  });

  const byUrn = new Map<number, number>();
  if (urns.size > 0) {
    const found: { id: number; urn: number }[] = await em.execute(
      `select s.id, s.urn from school s join json_array_elements_text(?::json) u(urn) on s.urn = u.urn::int`,
      [JSON.stringify([...urns])],
    );
    for (const row of found) byUrn.set(row.urn, row.id);
  }
  const knownIds = new Set<number>();
  if (ids.size > 0) {
    const found: { id: number }[] = await em.execute(
      `select s.id from school s join json_array_elements_text(?::json) i(id) on s.id = i.id::int`,
      [JSON.stringify([...ids])],
    );
    for (const row of found) knownIds.add(row.id);
  }

  const rows: (MeasureRow | undefined)[] = new Array(items.length);
  const seen = new Map<string, number>();
  const bad = new Set(problems.map((problem) => problem.index));
  items.forEach((item, index) => {
    let schoolId: number | undefined;
    if (item.urn != null && item.schoolId == null && urns.has(item.urn)) {
      schoolId = byUrn.get(item.urn);
      if (schoolId === undefined) problems.push({ index, field: 'urn', message: `no school has URN ${item.urn}.` });
    } else if (parsedIds[index] !== undefined) {
      schoolId = knownIds.has(parsedIds[index] as number) ? parsedIds[index] : undefined;
      if (schoolId === undefined) problems.push({ index, field: 'schoolId', message: 'no School has this ID.' });
    }
    if (schoolId === undefined || bad.has(index)) return;
    // Two values for one school, metric and year in one drop would make the result depend on order.
    const key = `${schoolId}|${item.metric}|${item.academicYear}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({ index, field: 'metric', message: `repeats item ${earlier} (same school, metric and academic year).` });
      return;
    }
    seen.set(key, index);
    rows[index] = { schoolId, metric: item.metric as OutcomeMetric, academicYear: item.academicYear, value: item.value };
  });
  problems.sort((a, b) => a.index - b.index);
  return { rows, problems };
}

/** Rows per statement: big enough to amortise the round trip, small enough to keep one statement's JSON a few MB. */
const CHUNK = 20_000;

/**
 * Writes values set-based: each chunk is one `insert ... select from json_to_recordset ... on conflict
 * do update`. A value equal to the stored one is left alone (counted unchanged), so a re-import
 * touches nothing. Rows must be unique per school, metric and year (checkMeasures sees to it).
 */
export async function writeMeasures(
  em: EntityManager,
  rows: MeasureRow[],
  source: string,
): Promise<WriteCounts & { changed: Map<number, 'created' | 'updated'> }> {
  const counts: WriteCounts = { created: 0, updated: 0, unchanged: 0 };
  // Which rows (by index) were inserted or changed: an importer reports each file row's outcome.
  const changed = new Map<number, 'created' | 'updated'>();
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const json = JSON.stringify(
      chunk.map((row, i) => [row.schoolId, row.metric, row.academicYear, row.value, row.source ?? null, start + i]),
    );
    const written: { i: number; inserted: boolean }[] = await em.execute(
      `with input as (
         select (r->>0)::int as school_id, r->>1 as metric, r->>2 as academic_year, (r->>3)::numeric as value, coalesce(r->>4, ?) as source,
           (r->>5)::int as i
         from json_array_elements(?::json) r
       ), written as (
         insert into outcome_measure (school_id, metric, academic_year, value, source)
         select school_id, metric, academic_year, value, source from input
         on conflict on constraint outcome_measure_school_metric_year_unique do update
           set value = excluded.value, source = excluded.source, recorded_at = now()
           where outcome_measure.value <> excluded.value or outcome_measure.source <> excluded.source
         returning school_id, metric, academic_year, (xmax = 0) as inserted
       )
       select input.i, written.inserted from written join input using (school_id, metric, academic_year)`,
      [source, json],
    );
    for (const row of written) changed.set(row.i, row.inserted ? 'created' : 'updated');
    const created = written.filter((row) => row.inserted).length;
    counts.created += created;
    counts.updated += written.length - created;
    counts.unchanged += chunk.length - written.length;
  }
  return { ...counts, changed };
}

/** Writes checked rows and announces them once, in the caller's transaction, so rules see the whole drop. */
export async function recordMeasures(
  em: EntityManager,
  rows: MeasureRow[],
  source: string,
): Promise<WriteCounts & { schoolIds: number[]; changed: Map<number, 'created' | 'updated'> }> {
  const counts = await writeMeasures(em, rows, source);
  const schoolIds = [...new Set(rows.map((row) => row.schoolId))];
  const metrics = [...new Set(rows.map((row) => row.metric))];
  if (rows.length > 0) await publish(em, { type: 'measures.recorded', schoolIds, metrics });
  return { ...counts, schoolIds };
}
