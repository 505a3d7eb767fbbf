import type { EntityManager } from '@mikro-orm/postgresql';
import { CategoryOfConcern, Inspectorate, OfstedGrade } from './evidence.enums';
import { EvidenceImportReport, emptyReport, readCsv, readUrn, requireColumns, skip } from './import-csv';
import { InspectionRow, inspectionsRecorded, writeInspections } from './inspections.service';

export const GIAS_SOURCE = 'gias_establishments';

/** GIAS's `OfstedRating (name)`: the last full inspection's overall effectiveness, with the category for inadequate. */
const RATINGS: Record<string, { grade: OfstedGrade; category?: CategoryOfConcern }> = {
  outstanding: { grade: OfstedGrade.OUTSTANDING },
  good: { grade: OfstedGrade.GOOD },
  'requires improvement': { grade: OfstedGrade.REQUIRES_IMPROVEMENT },
  inadequate: { grade: OfstedGrade.INADEQUATE },
  'serious weaknesses': { grade: OfstedGrade.INADEQUATE, category: CategoryOfConcern.SERIOUS_WEAKNESSES },
  'special measures': { grade: OfstedGrade.INADEQUATE, category: CategoryOfConcern.SPECIAL_MEASURES },
};

/** GIAS writes dates as DD-MM-YYYY (sometimes with slashes); returns YYYY-MM-DD for a real date only. */
export function readGiasDate(text: string): string | undefined {
  const match = /^(\d{2})[-/](\d{2})[-/](\d{4})$/.exec(text.trim());
  if (!match) return undefined;
  const [, day, month, year] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCDate() !== Number(day) || date.getUTCMonth() !== Number(month) - 1) return undefined;
  return `${year}-${month}-${day}`;
}

/**
 * Imports the Ofsted rating and last inspection date carried in a GIAS establishment extract as
 * inspections (one per school and date: a re-import updates in place). Schools must already exist.
 */
export async function importOfstedFromGias(em: EntityManager, file: string): Promise<EvidenceImportReport> {
  // GIAS writes several linked establishments into its last column unquoted, so such rows run past
  // the header; the columns read here all come before it.
  const csv = await readCsv(file, { trailingFieldsBeyondHeader: true });
  requireColumns(csv, ['URN', 'OfstedRating (name)', 'OfstedLastInsp']);
  const report = emptyReport();
  for (const broken of csv.broken) skip(report, broken.line, broken.reason);
  const today = new Date().toISOString().slice(0, 10);
  const wanted: { line: number; urn: number; inspectedOn: string; grade: OfstedGrade; category?: CategoryOfConcern }[] = [];
  const seen = new Map<number, number>();
  for (const row of csv.rows) {
    const urn = readUrn(row.values.URN);
    if (urn === undefined) {
      skip(report, row.line, `malformed: URN '${row.values.URN}' is not a URN`);
      continue;
    }
    const ratingText = row.values['OfstedRating (name)'].trim();
    const dateText = row.values.OfstedLastInsp.trim();
    if (!ratingText) {
      skip(report, row.line, `URN ${urn}: not inspected (no Ofsted rating)`);
      continue;
    }
    const rating = RATINGS[ratingText.toLowerCase()];
    const inspectedOn = readGiasDate(dateText);
    if (!rating) skip(report, row.line, `URN ${urn}: OfstedRating (name) '${ratingText}' is not an Ofsted rating`);
    else if (!inspectedOn) skip(report, row.line, `URN ${urn}: OfstedLastInsp '${dateText}' is not a date (DD-MM-YYYY)`);
    else if (inspectedOn > today) skip(report, row.line, `URN ${urn}: OfstedLastInsp ${dateText} is in the future`);
    else if (seen.has(urn)) skip(report, row.line, `URN ${urn} already appeared on line ${seen.get(urn)}`);
    else {
      seen.set(urn, row.line);
      wanted.push({ line: row.line, urn, inspectedOn, grade: rating.grade, category: rating.category });
    }
  }
  await em.transactional(async (tx) => {
    const found: { id: number; urn: number }[] = await (tx as EntityManager).execute(
      `select s.id, s.urn from school s join json_array_elements_text(?::json) u(urn) on s.urn = u.urn::int`,
      [JSON.stringify(wanted.map((w) => w.urn))],
    );
    const idOf = new Map(found.map((row) => [row.urn, row.id]));
    const rows: InspectionRow[] = [];
    for (const w of wanted) {
      const schoolId = idOf.get(w.urn);
      if (schoolId === undefined) {
        skip(report, w.line, `no school has URN ${w.urn}`);
        continue;
      }
      rows.push({
        schoolId,
        inspectorate: Inspectorate.OFSTED,
        inspectedOn: w.inspectedOn,
        overallEffectiveness: w.grade,
        categoryOfConcern: w.category ?? null,
        source: GIAS_SOURCE,
      });
    }
    const written = await writeInspections(tx as EntityManager, rows);
    await inspectionsRecorded(
      tx as EntityManager,
      rows.map((row) => row.schoolId),
    );
    report.created += written.created;
    report.updated += written.updated;
    report.unchanged += written.unchanged;
  });
  report.problems.sort((a, b) => a.line - b.line);
  return report;
}
