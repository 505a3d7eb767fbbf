import type { MikroORM } from '@mikro-orm/postgresql';
import { CategoryOfConcern, Inspectorate, OfstedGrade } from '../evidence/evidence.enums';
import { InspectionRow, inspectionsRecorded, writeInspections } from '../evidence/inspections.service';
import { CsvShape, CsvSource, readCsvFile } from './csv';
import { ImportReport, ReportBuilder } from './report';
import { ImportOptions, importSession } from './session';
import { schoolIdsByUrn, sourceLabel } from './sql';
import { rowsWithUrn, skipUnknownUrn } from './urn-rows';
import { date, InvalidValue, labels, oneOf, Row, text } from './values';

export const GIAS_SOURCE = 'gias_establishments';

/** GIAS's `OfstedRating (name)`: the last full inspection's overall effectiveness, with the category for inadequate. */
const RATINGS = labels<{ grade: OfstedGrade; category?: CategoryOfConcern }>({
  Outstanding: { grade: OfstedGrade.OUTSTANDING },
  Good: { grade: OfstedGrade.GOOD },
  'Requires improvement': { grade: OfstedGrade.REQUIRES_IMPROVEMENT },
  Inadequate: { grade: OfstedGrade.INADEQUATE },
  'Serious Weaknesses': { grade: OfstedGrade.INADEQUATE, category: CategoryOfConcern.SERIOUS_WEAKNESSES },
  'Special Measures': { grade: OfstedGrade.INADEQUATE, category: CategoryOfConcern.SPECIAL_MEASURES },
});

export const OFSTED_FILE: CsvShape = {
  kind: 'a GIAS establishment extract with Ofsted ratings',
  required: ['URN', 'OfstedRating (name)', 'OfstedLastInsp'],
  // GIAS writes several linked establishments into its last column unquoted; the columns read here come before it.
  trailingFieldsBeyondHeader: true,
};

interface Rated {
  grade: OfstedGrade;
  category?: CategoryOfConcern;
  inspectedOn: string;
}

/** The row's rating and date, validated; undefined when the school has not been inspected. */
export function readRating(row: Row, today: string): Rated | undefined {
  const rating = oneOf(row, 'OfstedRating (name)', RATINGS, 'Ofsted rating');
  const inspectedOn = date(row, 'OfstedLastInsp');
  if (!rating) {
    if (inspectedOn) throw new InvalidValue('OfstedRating (name)', `is empty while OfstedLastInsp gives ${inspectedOn}`);
    return undefined;
  }
  if (!inspectedOn)
    throw new InvalidValue('OfstedLastInsp', `has no date (${JSON.stringify(text(row, 'OfstedLastInsp') ?? '')}) for a rating`);
  if (inspectedOn > today) throw new InvalidValue('OfstedLastInsp', `${inspectedOn} is in the future`);
  return { ...rating, inspectedOn };
}

/**
 * Imports the Ofsted rating and last inspection date carried in a GIAS establishment extract as
 * inspections (one per school and date: a re-import updates in place). Schools must already exist.
 * Checked in the order a person would: the URN, whether it is held, whether it came before, whether
 * the school has been inspected at all, then the rating and date. The good rows are written in one
 * transaction, set-based, and announced as one `inspections.recorded` event.
 */
export async function importOfsted(orm: MikroORM, source: CsvSource, options: ImportOptions = {}): Promise<ImportReport> {
  const report = new ReportBuilder('ofsted', sourceLabel(source));
  const file = await readCsvFile(source, OFSTED_FILE);
  report.read(file);
  const today = new Date().toISOString().slice(0, 10);
  const candidates = rowsWithUrn(file.rows, report, 'URN');

  await importSession(orm, options, report, (batch) =>
    batch(async (tx) => {
      const held = await schoolIdsByUrn(
        tx,
        candidates.map((row) => row.urn),
      );
      const seen = new Map<number, number>();
      const rows: InspectionRow[] = [];
      for (const { line, urn: id, values } of candidates) {
        const schoolId = held.get(id);
        if (schoolId === undefined) {
          skipUnknownUrn(report, line, id, 'URN');
          continue;
        }
        const earlier = seen.get(id);
        if (earlier !== undefined) {
          report.skip({ line, urn: id, code: 'duplicate', field: 'URN', reason: `URN: ${id} already read on line ${earlier}` });
          continue;
        }
        seen.set(id, line);
        let rated: Rated | undefined;
        try {
          rated = readRating(values, today);
        } catch (error) {
          if (!(error instanceof InvalidValue)) throw error;
          report.skip({ line, urn: id, code: 'invalid_value', field: error.column, reason: error.message });
          continue;
        }
        if (!rated) {
          report.skip({
            line,
            urn: id,
            code: 'not_inspected',
            field: 'OfstedRating (name)',
            reason: `URN ${id}: not inspected (no Ofsted rating)`,
          });
          continue;
        }
        rows.push({
          schoolId,
          inspectorate: Inspectorate.OFSTED,
          inspectedOn: rated.inspectedOn,
          overallEffectiveness: rated.grade,
          categoryOfConcern: rated.category ?? null,
          source: GIAS_SOURCE,
        });
      }
      const written = await writeInspections(tx, rows);
      for (const outcome of written.outcomes) report.count(outcome);
      await inspectionsRecorded(
        tx,
        rows.map((row) => row.schoolId),
      );
    }),
  );
  return report.finish();
}
