import type { EntityManager } from '@mikro-orm/postgresql';
import { OutcomeMetric } from './evidence.enums';
import { EvidenceImportReport, emptyReport, readCsv, readUrn, requireColumns, skip } from './import-csv';
import { NOT_A_VALUE, writeItems } from './import-ks2';
import { MeasureItem } from './measures.service';

const metricByName = new Map<string, string>(
  Object.entries(OutcomeMetric).flatMap(([name, code]) => [
    [name.toLowerCase(), code],
    [code, code],
  ]),
);

/**
 * Imports a data drop written as CSV with the columns urn, metric, academic_year, value, source
 * (metric as its code, e.g. ks2_rwm_expected_pct, or its schema name). Bad lines are reported and
 * skipped; the rest are written set-based in one transaction and announced as one event.
 */
export async function importMeasuresCsv(em: EntityManager, file: string): Promise<EvidenceImportReport> {
  const csv = await readCsv(file);
  requireColumns(csv, ['urn', 'metric', 'academic_year', 'value', 'source']);
  const report = emptyReport();
  for (const broken of csv.broken) skip(report, broken.line, broken.reason);
  const items: MeasureItem[] = [];
  const lineOf: number[] = [];
  const sources: string[] = [];
  for (const { line, values } of csv.rows) {
    const urn = readUrn(values.urn);
    const valueText = values.value.trim();
    const source = values.source.trim();
    const errors: string[] = [];
    if (urn === undefined) errors.push(`urn: '${values.urn}' is not a URN`);
    if (!source) errors.push('source: is empty');
    else if (source.length > 100) errors.push('source: must be at most 100 characters long');
    if (NOT_A_VALUE.has(valueText.toUpperCase())) {
      skip(report, line, `value: '${valueText}' is not published (suppressed or missing)`);
      continue;
    }
    if (!/^-?\d+(\.\d+)?$/.test(valueText)) errors.push(`value: '${valueText}' is not a number`);
    if (errors.length > 0) {
      skip(report, line, `malformed: ${errors.join('; ')}`);
      continue;
    }
    items.push({
      urn,
      metric: metricByName.get(values.metric.trim().toLowerCase()) ?? values.metric.trim(),
      academicYear: values.academic_year.trim(),
      value: Number(valueText),
    });
    lineOf.push(line);
    sources.push(source);
  }
  await writeItems(em, items, lineOf, (index) => sources[index], report);
  return report;
}
