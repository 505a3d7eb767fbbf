import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { chunks, CsvShape, CsvSource, readCsvFile } from './csv';
import { ImportReport, ReportBuilder } from './report';
import { ImportOptions, importSession } from './session';
import { databaseRefusal, sourceLabel } from './sql';
import { rowsWithUrn, skipUnknownUrn } from './urn-rows';
import { decimal, integer, InvalidValue, Row, text, urn } from './values';

/** One census row, validated: undefined means "the census does not say", so the value held is kept. */
export interface CensusRecord {
  urn: number;
  pupilsOnRoll?: number;
  percentFsm?: number;
}

export function readCensusRow(row: Row): CensusRecord {
  return {
    urn: urn(row, 'URN'),
    pupilsOnRoll: integer(row, 'NOR', 0, 100_000),
    // PNUMFSMEVER: % of pupils eligible for free school meals at any time in the last six years ("21.90%").
    percentFsm: decimal(row, 'PNUMFSMEVER', 0, 100),
  };
}

export interface CensusImportOptions extends ImportOptions {
  /** Valid rows per transaction. */
  batchSize?: number;
}

interface Change {
  line: number;
  id: number;
  pupilsOnRoll: number | null;
  percentFsm: number | null;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export const CENSUS_FILE: CsvShape = { kind: 'a school census file (URN, NOR, PNUMFSMEVER)', required: ['URN', 'NOR', 'PNUMFSMEVER'] };

/**
 * Imports the school census (NOR -> pupils on roll, PNUMFSMEVER -> % FSM) onto schools already held,
 * matched by URN. Schools Trellis does not hold are skipped as "unknown URN"; the file covers all of
 * England, so against one authority's schools most rows are.
 *
 * A row is checked in the order a person would: a national total is not a school; the URN must be
 * one and be held; a URN seen before is a duplicate; then the values. Rows are handled in batches of
 * 2,000 per transaction: one query reads the batch's schools by URN, the changes are worked out here
 * (so unchanged rows cost nothing), and one set-based UPDATE from a JSON record set writes them. A
 * census row touches one school row, so a batch update is all-or-nothing per row by construction;
 * should the database still refuse the batch, it is replayed row by row with a savepoint each, and
 * only the refused row is skipped. 24,000 rows take about a dozen statements.
 */
export async function importSchoolCensus(orm: MikroORM, source: CsvSource, options: CensusImportOptions = {}): Promise<ImportReport> {
  const report = new ReportBuilder('census', sourceLabel(source));
  const file = await readCsvFile(source, CENSUS_FILE);
  report.read(file);
  const candidates = rowsWithUrn(file.rows, report, 'URN', (line, values) => {
    if (text(values, 'URN') !== 'NAT') return true;
    report.skip({ line, code: 'not_applicable', field: 'URN', reason: 'URN: "NAT" is a national total, not a school' });
    return false;
  });
  const seen = new Map<number, number>();

  await importSession(orm, options, report, async (batch) => {
    for (const chunk of chunks(candidates, options.batchSize ?? 2000)) {
      await batch(async (tx) => {
        const held: { id: number; urn: number; pupils_on_roll: number | null; percent_fsm: string | null }[] = await tx.execute(
          `select id, urn, pupils_on_roll, percent_fsm from school where urn in (?)`,
          [chunk.map((row) => row.urn)],
        );
        const byUrn = new Map(held.map((school) => [school.urn, school]));
        const changes: Change[] = [];
        for (const { line, urn: candidate, values } of chunk) {
          const school = byUrn.get(candidate);
          if (!school) {
            skipUnknownUrn(report, line, candidate, 'URN');
            continue;
          }
          const earlier = seen.get(candidate);
          if (earlier !== undefined) {
            report.skip({
              line,
              urn: candidate,
              code: 'duplicate',
              field: 'URN',
              reason: `URN: ${candidate} already read on line ${earlier}`,
            });
            continue;
          }
          seen.set(candidate, line);
          let record: CensusRecord;
          try {
            record = readCensusRow(values);
          } catch (error) {
            if (!(error instanceof InvalidValue)) throw error;
            report.skip({ line, urn: candidate, code: 'invalid_value', field: error.column, reason: error.message });
            continue;
          }
          const heldFsm = school.percent_fsm === null ? null : Number(school.percent_fsm);
          const pupilsOnRoll = record.pupilsOnRoll ?? school.pupils_on_roll;
          const percentFsm = record.percentFsm !== undefined ? round2(record.percentFsm) : heldFsm;
          if (pupilsOnRoll === school.pupils_on_roll && percentFsm === heldFsm) report.count('unchanged');
          else changes.push({ line, id: school.id, pupilsOnRoll, percentFsm });
        }
        if (!changes.length) return;
        try {
          await tx.transactional((sp) => updateSchools(sp, changes));
          for (let i = 0; i < changes.length; i += 1) report.count('updated');
        } catch {
          for (const change of changes) {
            try {
              await tx.transactional((sp) => updateSchools(sp, [change]));
              report.count('updated');
            } catch (error) {
              report.skip({ line: change.line, code: 'rejected_by_database', reason: databaseRefusal(error) });
            }
          }
        }
      });
    }
  });
  return report.finish();
}

async function updateSchools(em: EntityManager, changes: Change[]): Promise<void> {
  await em.execute(
    `update school s set pupils_on_roll = x.pupils_on_roll, percent_fsm = x.percent_fsm, updated_at = now()
     from jsonb_to_recordset(?::jsonb) as x(id int, pupils_on_roll int, percent_fsm numeric)
     where s.id = x.id`,
    [JSON.stringify(changes.map(({ id, pupilsOnRoll, percentFsm }) => ({ id, pupils_on_roll: pupilsOnRoll, percent_fsm: percentFsm })))],
  );
}
