import type { EntityManager } from '@mikro-orm/postgresql';
import { OutcomeMetric } from './evidence.enums';
import { EvidenceImportReport, emptyReport, readCsv, readUrn, requireColumns, skip } from './import-csv';
import { checkMeasures, MeasureItem, MeasureRow, recordMeasures } from './measures.service';

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
};

/**
 * DfE's codes for a value that is not published: suppressed (SUPP), not eligible (NE), low coverage
 * (LOWCOV), not published (NP), new school (NEW), not available (NA), did not sit (DNS), and the like.
 * Such a value is absent: it is never read as 0.
 */
export const NOT_A_VALUE = new Set(['', 'SUPP', 'NE', 'LOWCOV', 'NP', 'NEW', 'NEWAC', 'NA', 'DNS', 'NOR', 'X', 'Z', ':', '.', '..']);

/** RECTYPE 1 is a mainstream school and 2 a special school; 3-5 are local-authority and national averages. */
const SCHOOL_RECORDS = new Set(['1', '2']);
const RECORD_KINDS: Record<string, string> = {
  '3': 'local authority average',
  '4': 'national average (state-funded)',
  '5': 'national average (all schools)',
};

type Cell = { value: number } | { absent: true } | { error: string };

export function readKs2Value(text: string | undefined): Cell {
  const raw = (text ?? '').trim();
  if (NOT_A_VALUE.has(raw.toUpperCase())) return { absent: true };
  if (!/^-?\d+(\.\d+)?%?$/.test(raw)) return { error: `'${raw}' is neither a number nor a DfE code for a missing value` };
  return { value: Number(raw.replace('%', '')) };
}

/**
 * Imports a KS2 school performance tables CSV (the DfE format: one row per school, URN to join on).
 * A row with anything wrong is skipped whole and reported; the good rows are written in one transaction,
 * set-based, and announced as one `measures.recorded` event.
 */
export async function importKs2(em: EntityManager, file: string, academicYear = '2017/18'): Promise<EvidenceImportReport> {
  const csv = await readCsv(file, { missingTrailingFields: true });
  requireColumns(csv, ['RECTYPE', 'URN', 'PTRWM_EXP', 'READPROG', 'WRITPROG', 'MATPROG']);
  const report = emptyReport();
  for (const broken of csv.broken) skip(report, broken.line, broken.reason);
  const columns = Object.keys(KS2_COLUMNS).filter((column) => csv.header.includes(column));
  const items: MeasureItem[] = [];
  const lineOf: number[] = [];
  for (const row of csv.rows) {
    const kind = row.values.RECTYPE?.trim();
    if (!SCHOOL_RECORDS.has(kind)) {
      skip(report, row.line, `not a school: RECTYPE ${kind || '(empty)'}${RECORD_KINDS[kind] ? ` (${RECORD_KINDS[kind]})` : ''}`);
      continue;
    }
    const urn = readUrn(row.values.URN);
    if (urn === undefined) {
      skip(report, row.line, `malformed: URN '${row.values.URN}' is not a URN`);
      continue;
    }
    const errors: string[] = [];
    const values: MeasureItem[] = [];
    for (const column of columns) {
      const cell = readKs2Value(row.values[column]);
      if ('error' in cell) errors.push(`${column}: ${cell.error}`);
      else if ('value' in cell) values.push({ urn, metric: KS2_COLUMNS[column], academicYear, value: cell.value });
    }
    if (errors.length > 0) {
      skip(report, row.line, `malformed: ${errors.join('; ')}`);
    } else if (values.length === 0) {
      skip(report, row.line, `URN ${urn}: no results published (every value suppressed or absent)`);
    } else {
      for (const value of values) {
        items.push(value);
        lineOf.push(row.line);
      }
    }
  }
  await writeItems(em, items, lineOf, KS2_SOURCE, report);
  return report;
}

/**
 * Checks items, skips every line with any problem (a line is written whole or not at all), then
 * writes the rest in one transaction with one event. Shared by the KS2 and measures-CSV importers.
 */
export async function writeItems(
  em: EntityManager,
  items: MeasureItem[],
  lineOf: number[],
  source: string | ((index: number) => string),
  report: EvidenceImportReport,
): Promise<void> {
  await em.transactional(async (tx) => {
    const { rows, problems } = await checkMeasures(tx as EntityManager, items);
    const reasons = new Map<number, string[]>();
    for (const problem of problems) {
      const line = lineOf[problem.index];
      const field = problem.field === 'urn' ? '' : `${problem.field}: `;
      reasons.set(line, [...(reasons.get(line) ?? []), `${field}${problem.message}`]);
    }
    for (const [line, why] of reasons) skip(report, line, [...new Set(why)].join('; '));
    const good: MeasureRow[] = [];
    rows.forEach((row, index) => {
      if (row && !reasons.has(lineOf[index])) good.push(typeof source === 'function' ? { ...row, source: source(index) } : row);
    });
    const written = await recordMeasures(tx as EntityManager, good, typeof source === 'function' ? 'import' : source);
    report.created += written.created;
    report.updated += written.updated;
    report.unchanged += written.unchanged;
  });
  report.problems.sort((a, b) => a.line - b.line);
}
