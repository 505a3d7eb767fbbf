import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { OutcomeMetric } from '../evidence/evidence.enums';
import { academicYearProblem, checkMeasures, MeasureItem, recordMeasures } from '../evidence/measures.service';
import { CsvShape, CsvSource, ImportFileError, readCsvFile } from './csv';
import { ImportProblem, ImportReport, ReportBuilder, RowOutcome } from './report';
import { ImportOptions, importSession } from './session';
import { schoolIdsByUrn, sourceLabel } from './sql';
import { rowsWithUrn, skipUnknownUrn } from './urn-rows';
import { isMissing, text } from './values';

export const KS2_SOURCE = 'ks2_performance_tables';

/** Performance-table columns Trellis records, and the metric each becomes. */
export const KS2_COLUMNS: Record<string, OutcomeMetric> = {
  PTRWM_EXP: OutcomeMetric.KS2_RWM_EXPECTED_PCT,
  PTRWM_HIGH: OutcomeMetric.KS2_RWM_HIGHER_PCT,
  PTREAD_EXP: OutcomeMetric.KS2_READING_EXPECTED_PCT,
  PTWRITTA_EXP: OutcomeMetric.KS2_WRITING_EXPECTED_PCT,
  PTMAT_EXP: OutcomeMetric.KS2_MATHS_EXPECTED_PCT,
  PTGPS_EXP: OutcomeMetric.KS2_GPS_EXPECTED_PCT,
  READPROG: OutcomeMetric.KS2_READING_PROGRESS,
  WRITPROG: OutcomeMetric.KS2_WRITING_PROGRESS,
  MATPROG: OutcomeMetric.KS2_MATHS_PROGRESS,
  READ_AVERAGE: OutcomeMetric.KS2_READING_AVERAGE_SCORE,
  MAT_AVERAGE: OutcomeMetric.KS2_MATHS_AVERAGE_SCORE,
  PTRWM_EXP_FSM6CLA1A: OutcomeMetric.KS2_DISADVANTAGED_RWM_EXPECTED_PCT,
  // Prior attainment: the cohort's average KS1 point score. Context for comparing schools
  // (analytics/similarity.ts), not a result: a row with nothing else published is still "no results".
  TKS1AVERAGE: OutcomeMetric.KS2_PRIOR_ATTAINMENT_KS1_APS,
};

/** Columns that describe the cohort rather than its results. */
const CONTEXT_COLUMNS = new Set(['TKS1AVERAGE']);

export const KS2_FILE: CsvShape = {
  kind: 'a KS2 performance tables file',
  required: ['RECTYPE', 'URN', 'PTRWM_EXP', 'READPROG', 'WRITPROG', 'MATPROG'],
  // Rows of schools with no results stop before the last columns.
  missingTrailingFields: true,
};

const columnOf = (metric: string): string => Object.keys(KS2_COLUMNS).find((column) => KS2_COLUMNS[column] === metric) ?? metric;

/** RECTYPE 1 is a mainstream school and 2 a special school; 3-5 are local-authority and national averages. */
const SCHOOL_RECORDS = new Set(['1', '2']);
const RECORD_KINDS: Record<string, string> = {
  '3': 'local authority average',
  '4': 'national average (state-funded)',
  '5': 'national average (all schools)',
};

/** A cell: a number (a trailing % allowed), missing (see isMissing), or why it is neither. */
export function readKs2Value(cell: string | undefined): { value: number } | { missing: true } | { error: string } {
  const raw = (cell ?? '').trim();
  if (isMissing(raw)) return { missing: true };
  if (!/^-?\d+(\.\d+)?%?$/.test(raw)) return { error: `"${raw}" is neither a number nor a DfE code for a missing value` };
  return { value: Number(raw.replace('%', '')) };
}

/**
 * The academic year a performance table is for, from the last year in its file name: the tables are
 * named for the summer the pupils sat the tests (ks2_performance_2018_….csv and 2017-2018/england_ks2final.csv are 2017/18).
 */
export function academicYearFromName(source: string): string | undefined {
  const years = [...path.basename(source).matchAll(/(?:^|[^\d])(20\d{2})(?!\d)/g)];
  if (!years.length) return undefined;
  const end = Number(years[years.length - 1][1]);
  return `${end - 1}/${String(end % 100).padStart(2, '0')}`;
}

export interface Ks2ImportOptions extends ImportOptions {
  /** '2017/18'; default: from the file name (the year the tables were published for), else an error. */
  academicYear?: string;
}

/**
 * Imports a KS2 school performance tables CSV (one row per school, joined by URN) as outcome
 * measures. A row is checked in the order a person would: is it a school's row (RECTYPE), is its URN
 * well formed and held, has it come before, are its values numbers in range, is anything published
 * in it. A row with anything wrong is skipped whole and reported; the good rows are written in one
 * transaction, set-based, and announced as one `measures.recorded` event. A row's outcome is
 * `created` if any of its values was new, else `updated` if any changed; `related.measures` counts
 * the values themselves.
 */
export async function importKs2(orm: MikroORM, source: CsvSource, options: Ks2ImportOptions = {}): Promise<ImportReport> {
  const label = sourceLabel(source);
  const report = new ReportBuilder('ks2', label);
  const academicYear = options.academicYear ?? academicYearFromName(label);
  if (!academicYear) throw new ImportFileError('the academic year is not in the file name: give it, e.g. --academic-year=2017/18');
  const wrongYear = academicYearProblem(academicYear);
  if (wrongYear) throw new ImportFileError(`academic year ${wrongYear}`);
  report.note('academicYear', academicYear);
  const file = await readCsvFile(source, KS2_FILE);
  report.read(file);
  const columns = Object.keys(KS2_COLUMNS).filter((column) => file.columns.includes(column));

  const candidates = rowsWithUrn(file.rows, report, 'URN', (line, values) => {
    const kind = text(values, 'RECTYPE') ?? '';
    if (SCHOOL_RECORDS.has(kind)) return true;
    const what = RECORD_KINDS[kind] ? ` (${RECORD_KINDS[kind]})` : '';
    report.skip({ line, code: 'not_applicable', field: 'RECTYPE', reason: `RECTYPE: ${kind || '(empty)'}${what} is not a school's row` });
    return false;
  });

  await importSession(orm, options, report, (batch) =>
    batch(async (tx) => {
      const held = await schoolIdsByUrn(
        tx,
        candidates.map((row) => row.urn),
      );
      const seen = new Map<number, number>();
      const items: MeasureItem[] = [];
      const lineOf: number[] = [];
      for (const { line, urn: id, values } of candidates) {
        if (!held.has(id)) {
          skipUnknownUrn(report, line, id, 'URN');
          continue;
        }
        const earlier = seen.get(id);
        if (earlier !== undefined) {
          report.skip({ line, urn: id, code: 'duplicate', field: 'URN', reason: `URN: ${id} already read on line ${earlier}` });
          continue;
        }
        seen.set(id, line);
        const errors: { column: string; message: string }[] = [];
        const found: MeasureItem[] = [];
        for (const column of columns) {
          const cell = readKs2Value(values[column]);
          if ('error' in cell) errors.push({ column, message: cell.error });
          else if ('value' in cell) found.push({ urn: id, metric: KS2_COLUMNS[column], academicYear, value: cell.value });
        }
        if (errors.length) {
          const reason = errors.map((error) => `${error.column}: ${error.message}`).join('; ');
          report.skip({ line, urn: id, code: 'invalid_value', field: errors[0].column, reason });
        } else if (!found.some((item) => !CONTEXT_COLUMNS.has(columnOf(item.metric)))) {
          report.skip({ line, urn: id, code: 'no_results', reason: `URN ${id}: no results published (every value suppressed or missing)` });
        } else {
          for (const item of found) {
            items.push(item);
            lineOf.push(line);
          }
        }
      }
      await writeMeasureItems(tx, items, lineOf, () => KS2_SOURCE, report, columnOf);
    }),
  );
  return report.finish();
}

/**
 * Checks items against the metrics' ranges, skips every line with any problem (a line is written
 * whole or not at all), then writes the rest with one event, and counts each line by what happened
 * to its values. Shared by the KS2 and measures importers; runs inside the caller's transaction.
 */
export async function writeMeasureItems(
  em: Parameters<typeof checkMeasures>[0],
  items: MeasureItem[],
  lineOf: number[],
  sourceOf: (index: number) => string,
  report: ReportBuilder,
  columnOf: (metric: string) => string | undefined,
): Promise<void> {
  const { rows, problems } = await checkMeasures(em, items);
  const refused = new Map<number, ImportProblem>();
  for (const problem of problems) {
    const line = lineOf[problem.index];
    const item = items[problem.index];
    const field =
      problem.field === 'value' ? (columnOf(item.metric) ?? 'value') : problem.field === 'academicYear' ? 'academic_year' : problem.field;
    const earlier = refused.get(line);
    const reason = `${field}: ${problem.message.replace(/\.$/, '')}`;
    if (earlier) earlier.reason = `${earlier.reason}; ${reason}`;
    else refused.set(line, { line, urn: item.urn ?? undefined, code: 'invalid_value', field, reason });
  }
  for (const problem of refused.values()) report.skip(problem);
  const good: { row: NonNullable<(typeof rows)[number]>; line: number }[] = [];
  rows.forEach((row, index) => {
    if (row && !refused.has(lineOf[index])) good.push({ row: { ...row, source: sourceOf(index) }, line: lineOf[index] });
  });
  const written = await recordMeasures(
    em,
    good.map((entry) => entry.row),
    'import',
  );
  report.related('measures', 'created', written.created);
  report.related('measures', 'updated', written.updated);
  report.related('measures', 'unchanged', written.unchanged);
  const outcomes = new Map<number, RowOutcome>();
  good.forEach((entry, index) => {
    const change = written.changed.get(index) ?? 'unchanged';
    const before = outcomes.get(entry.line);
    if (before === 'created' || (before === 'updated' && change === 'unchanged')) return;
    outcomes.set(entry.line, change);
  });
  for (const outcome of outcomes.values()) report.count(outcome);
}
