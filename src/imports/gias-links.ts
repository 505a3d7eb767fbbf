import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { SchoolLinkReason } from '../schools/school.enums';
import { chunks, CsvShape, CsvSource, readCsvFile } from './csv';
import { ImportReport, ReportBuilder } from './report';
import { ImportOptions, importSession } from './session';
import { databaseRefusal, sourceLabel } from './sql';
import { date, InvalidValue, labels, oneOf, Row, urn } from './values';

/**
 * Which way a GIAS link points. A row reads "<URN>'s <LinkType> is <LinkURN>": `successor` means
 * LinkURN followed URN. Some types do not say which came first (GIAS writes the same type on both
 * schools' rows); those are ordered `byDates`, the school that closed (or opened first) being the predecessor.
 */
type Direction = 'successor' | 'predecessor' | 'byDates';

/** GIAS "LinkType" labels. `null`: a link that is not one URN following another (sixth-form centre membership). */
const LINK_TYPES = labels<{ reason: SchoolLinkReason; direction: Direction } | null>({
  Successor: { reason: SchoolLinkReason.SUCCESSION, direction: 'successor' },
  Predecessor: { reason: SchoolLinkReason.SUCCESSION, direction: 'predecessor' },
  'Successor - merged': { reason: SchoolLinkReason.MERGER, direction: 'successor' },
  'Predecessor - merged': { reason: SchoolLinkReason.MERGER, direction: 'predecessor' },
  'Successor - amalgamated': { reason: SchoolLinkReason.AMALGAMATION, direction: 'successor' },
  'Predecessor - amalgamated': { reason: SchoolLinkReason.AMALGAMATION, direction: 'predecessor' },
  'Result of Amalgamation': { reason: SchoolLinkReason.AMALGAMATION, direction: 'byDates' },
  'Successor - Split School': { reason: SchoolLinkReason.SPLIT, direction: 'successor' },
  'Predecessor - Split School': { reason: SchoolLinkReason.SPLIT, direction: 'predecessor' },
  'Merged - expansion in school capacity and changer in age range': { reason: SchoolLinkReason.MERGER, direction: 'byDates' },
  'Merged - expansion of school capacity': { reason: SchoolLinkReason.MERGER, direction: 'byDates' },
  'Merged - change in age range': { reason: SchoolLinkReason.MERGER, direction: 'byDates' },
  Expansion: { reason: SchoolLinkReason.OTHER, direction: 'byDates' },
  Closure: { reason: SchoolLinkReason.OTHER, direction: 'byDates' },
  Other: { reason: SchoolLinkReason.OTHER, direction: 'byDates' },
  'Sixth Form Centre School': null,
  'Sixth Form Centre Link': null,
});

export interface LinkRecord {
  urn: number;
  linkUrn: number;
  linkType: string;
  reason: SchoolLinkReason;
  direction: Direction;
  linkedOn: string | null;
}

/** Validates one links row; null for a link type Trellis does not record. */
export function readLinkRow(row: Row): LinkRecord | null {
  const from = urn(row, 'URN');
  const to = urn(row, 'LinkURN');
  if (from === to) throw new InvalidValue('LinkURN', `${to} is the row's own URN`);
  const type = oneOf(row, 'LinkType', LINK_TYPES, 'link type');
  if (type === undefined) throw new InvalidValue('LinkType', 'is empty');
  const linkedOn = date(row, 'LinkEstablishedDate') ?? null;
  if (type === null) return null;
  return { urn: from, linkUrn: to, linkType: row.LinkType.trim(), reason: type.reason, direction: type.direction, linkedOn };
}

interface HeldSchool {
  id: number;
  urn: number;
  status: string;
  opened_on: string | null;
  closed_on: string | null;
}

/** Which of two schools came first, for link types that do not say; undefined when the dates cannot tell. */
function firstOf(a: HeldSchool, b: HeldSchool): HeldSchool | undefined {
  const closedA = a.status === 'closed' || a.closed_on !== null;
  const closedB = b.status === 'closed' || b.closed_on !== null;
  if (closedA !== closedB) return closedA ? a : b;
  if (a.opened_on && b.opened_on && a.opened_on !== b.opened_on) return a.opened_on < b.opened_on ? a : b;
  return undefined;
}

interface LinkWrite {
  line: number;
  id?: number;
  predecessorId: number;
  successorId: number;
  reason: SchoolLinkReason;
  linkedOn: string | null;
}

export interface LinksImportOptions extends ImportOptions {
  batchSize?: number;
}

export const LINKS_FILE: CsvShape = { kind: 'a GIAS links file', required: ['URN', 'LinkURN', 'LinkType', 'LinkEstablishedDate'] };

/**
 * Imports GIAS establishment links as predecessor/successor SchoolLinks between schools Trellis holds.
 * GIAS lists each link twice, once from each school ("Successor" on one row, "Predecessor" on the
 * other): the first row about a pair of URNs is used and the other is skipped as a duplicate, naming
 * the line it repeats. Links with a URN Trellis does not hold are skipped as unknown.
 *
 * A row is checked in the order a person would: is it a link Trellis records (a sixth-form centre
 * link is not), are both URNs well formed and held, has the pair come before, then its other values.
 * Per batch one read of the schools, one of the links already held, and one set-based INSERT and
 * UPDATE each; a refused batch is replayed a row at a time inside savepoints.
 */
export async function importGiasLinks(orm: MikroORM, source: CsvSource, options: LinksImportOptions = {}): Promise<ImportReport> {
  const report = new ReportBuilder('links', sourceLabel(source));
  const file = await readCsvFile(source, LINKS_FILE);
  report.read(file);
  const candidates: { line: number; urn: number; linkUrn: number; values: Row }[] = [];
  for (const { line, values } of file.rows) {
    report.row();
    try {
      const type = oneOf(values, 'LinkType', LINK_TYPES, 'link type');
      if (type === undefined) throw new InvalidValue('LinkType', 'is empty');
      if (type === null) {
        report.skip({
          line,
          code: 'not_applicable',
          field: 'LinkType',
          reason: `LinkType: "${values.LinkType}" is not a predecessor/successor link`,
        });
        continue;
      }
      candidates.push({ line, urn: urn(values, 'URN'), linkUrn: urn(values, 'LinkURN'), values });
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      report.skip({ line, code: 'invalid_value', field: error.column, reason: error.message });
    }
  }
  const seen = new Map<string, number>();

  await importSession(orm, options, report, async (batch) => {
    for (const chunk of chunks(candidates, options.batchSize ?? 2000)) {
      await batch(async (tx) => {
        const urns = [...new Set(chunk.flatMap((row) => [row.urn, row.linkUrn]))];
        const schools: HeldSchool[] = await tx.execute(
          `select id, urn, status, opened_on::text, closed_on::text from school where urn in (?)`,
          [urns],
        );
        const byUrn = new Map(schools.map((school) => [school.urn, school]));
        const wanted: LinkWrite[] = [];
        for (const { line, urn: fromUrn, linkUrn, values } of chunk) {
          const from = byUrn.get(fromUrn);
          const to = byUrn.get(linkUrn);
          if (!from || !to) {
            const missing = [!from && `URN ${fromUrn}`, !to && `LinkURN ${linkUrn}`].filter(Boolean).join(' and ');
            report.skip({
              line,
              urn: fromUrn,
              code: 'unknown_urn',
              field: from ? 'LinkURN' : 'URN',
              reason: `${missing}: unknown URN (not in Trellis)`,
            });
            continue;
          }
          const pair = fromUrn < linkUrn ? `${fromUrn}-${linkUrn}` : `${linkUrn}-${fromUrn}`;
          const earlier = seen.get(pair);
          if (earlier !== undefined) {
            report.skip({
              line,
              urn: fromUrn,
              code: 'duplicate',
              reason: `the link between ${fromUrn} and ${linkUrn} was read on line ${earlier}`,
            });
            continue;
          }
          seen.set(pair, line);
          let record: LinkRecord;
          try {
            record = readLinkRow(values)!;
          } catch (error) {
            if (!(error instanceof InvalidValue)) throw error;
            report.skip({ line, urn: fromUrn, code: 'invalid_value', field: error.column, reason: error.message });
            continue;
          }
          let predecessor = record.direction === 'successor' ? from : to;
          if (record.direction === 'byDates') {
            const first = firstOf(from, to);
            if (!first) {
              report.skip({
                line,
                urn: record.urn,
                code: 'not_applicable',
                field: 'LinkType',
                reason: `LinkType: "${record.linkType}" does not say which school came first, and their dates cannot tell`,
              });
              continue;
            }
            predecessor = first;
          }
          const successor = predecessor === from ? to : from;
          wanted.push({ line, predecessorId: predecessor.id, successorId: successor.id, reason: record.reason, linkedOn: record.linkedOn });
        }
        if (!wanted.length) return;

        const ids = [...new Set(wanted.map((link) => link.predecessorId))];
        const held: { id: number; predecessor_id: number; successor_id: number; reason: string; linked_on: string | null }[] =
          await tx.execute(
            `select id, predecessor_id, successor_id, reason, linked_on::text from school_link where predecessor_id in (?)`,
            [ids],
          );
        const heldByPair = new Map(held.map((link) => [`${link.predecessor_id}>${link.successor_id}`, link]));
        const inserts: LinkWrite[] = [];
        const updates: LinkWrite[] = [];
        for (const link of wanted) {
          const existing = heldByPair.get(`${link.predecessorId}>${link.successorId}`);
          if (!existing) inserts.push(link);
          else if (existing.reason !== link.reason || existing.linked_on !== link.linkedOn) updates.push({ ...link, id: existing.id });
          else report.count('unchanged');
        }
        await writeAll(tx, inserts, updates, report);
      });
    }
  });
  return report.finish();
}

async function writeAll(tx: EntityManager, inserts: LinkWrite[], updates: LinkWrite[], report: ReportBuilder): Promise<void> {
  if (!inserts.length && !updates.length) return;
  try {
    await tx.transactional(async (sp) => {
      await insertLinks(sp, inserts);
      await updateLinks(sp, updates);
    });
    for (let i = 0; i < inserts.length; i += 1) report.count('created');
    for (let i = 0; i < updates.length; i += 1) report.count('updated');
  } catch {
    for (const [links, write, outcome] of [
      [inserts, insertLinks, 'created'],
      [updates, updateLinks, 'updated'],
    ] as const) {
      for (const link of links) {
        try {
          await tx.transactional((sp) => write(sp, [link]));
          report.count(outcome);
        } catch (error) {
          report.skip({ line: link.line, code: 'rejected_by_database', reason: databaseRefusal(error) });
        }
      }
    }
  }
}

const asJson = (links: LinkWrite[]) =>
  JSON.stringify(
    links.map((link) => ({
      id: link.id,
      predecessor_id: link.predecessorId,
      successor_id: link.successorId,
      reason: link.reason,
      linked_on: link.linkedOn,
    })),
  );

async function insertLinks(em: EntityManager, links: LinkWrite[]): Promise<void> {
  if (!links.length) return;
  await em.execute(
    `insert into school_link (predecessor_id, successor_id, reason, linked_on)
     select predecessor_id, successor_id, reason, linked_on
     from jsonb_to_recordset(?::jsonb) as x(predecessor_id int, successor_id int, reason text, linked_on date)`,
    [asJson(links)],
  );
}

async function updateLinks(em: EntityManager, links: LinkWrite[]): Promise<void> {
  if (!links.length) return;
  await em.execute(
    `update school_link l set reason = x.reason, linked_on = x.linked_on
     from jsonb_to_recordset(?::jsonb) as x(id int, reason text, linked_on date)
     where l.id = x.id`,
    [asJson(links)],
  );
}
