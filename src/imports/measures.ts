import type { MikroORM } from '@mikro-orm/postgresql';
import { OutcomeMetric } from '../evidence/evidence.enums';
import { MeasureItem } from '../evidence/measures.service';
import { writeMeasureItems } from './ks2';
import { CsvShape, CsvSource, readCsvFile } from './csv';
import { ImportReport, ReportBuilder } from './report';
import { ImportOptions, importSession } from './session';
import { schoolIdsByUrn, sourceLabel } from './sql';
import { rowsWithUrn, skipUnknownUrn } from './urn-rows';
import { decimal, InvalidValue, isMissing, requiredText } from './values';

const metricByName = new Map<string, string>(
  Object.entries(OutcomeMetric).flatMap(([name, code]) => [
    [name.toLowerCase(), code],
    [code, code],
  ]),
);

export const MEASURES_FILE: CsvShape = {
  kind: 'a measures data drop (urn, metric, academic_year, value, source)',
  required: ['urn', 'metric', 'academic_year', 'value', 'source'],
};

/**
 * Imports a data drop written as CSV with the columns urn, metric, academic_year, value, source
 * (metric as its code, e.g. ks2_rwm_expected_pct, or its schema name). One row is one value. Checked
 * in the order a person would: the URN, whether it is held, whether the same school, metric and year
 * came before, then the values; a missing value (NA, SUPP, empty...) is `no_results`, never 0. The
 * good rows are written set-based in one transaction and announced as one event.
 */
export async function importMeasures(orm: MikroORM, source: CsvSource, options: ImportOptions = {}): Promise<ImportReport> {
  const report = new ReportBuilder('measures', sourceLabel(source));
  const file = await readCsvFile(source, MEASURES_FILE);
  report.read(file);
  const candidates = rowsWithUrn(file.rows, report, 'urn');

  await importSession(orm, options, report, (batch) =>
    batch(async (tx) => {
      const held = await schoolIdsByUrn(
        tx,
        candidates.map((row) => row.urn),
      );
      const seen = new Map<string, number>();
      const items: MeasureItem[] = [];
      const lineOf: number[] = [];
      const sources: string[] = [];
      for (const { line, urn: id, values } of candidates) {
        if (!held.has(id)) {
          skipUnknownUrn(report, line, id, 'urn');
          continue;
        }
        const metric = metricByName.get(values.metric.trim().toLowerCase()) ?? values.metric.trim();
        const key = `${id}|${metric}|${values.academic_year.trim()}`;
        const earlier = seen.get(key);
        if (earlier !== undefined) {
          report.skip({
            line,
            urn: id,
            code: 'duplicate',
            reason: `the same school, metric and academic year were read on line ${earlier}`,
          });
          continue;
        }
        seen.set(key, line);
        let value: number | undefined;
        let from: string;
        try {
          from = requiredText(values, 'source');
          if (from.length > 100) throw new InvalidValue('source', 'must be at most 100 characters long');
          value = decimal(values, 'value', -1e9, 1e9);
        } catch (error) {
          if (!(error instanceof InvalidValue)) throw error;
          report.skip({ line, urn: id, code: 'invalid_value', field: error.column, reason: error.message });
          continue;
        }
        if (value === undefined) {
          const shown = isMissing(values.value) ? values.value.trim() : '';
          report.skip({
            line,
            urn: id,
            code: 'no_results',
            field: 'value',
            reason: `value: "${shown}" means not published (suppressed or missing)`,
          });
          continue;
        }
        items.push({ urn: id, metric, academicYear: values.academic_year.trim(), value });
        lineOf.push(line);
        sources.push(from);
      }
      await writeMeasureItems(
        tx,
        items,
        lineOf,
        (index) => sources[index],
        report,
        () => undefined,
      );
    }),
  );
  return report.finish();
}
