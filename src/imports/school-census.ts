import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { CsvSource, inBatches, readCsv } from './csv';
import { ImportReport, ReportBuilder } from './report';
import { databaseRefusal, sourceLabel } from './sql';
import { decimal, integer, InvalidValue, Row, text, urn } from './values';

/** DfE's markers for a value that is not there: not available, suppressed, not applicable. Never zero. */
export const NOT_A_NUMBER = ['NA', 'N/A', 'x', 'z', 'c', 'u', ':', '..', 'SUPP', 'NE', 'NP', 'LOWCOV'] as const;

/** One census row, validated: undefined means "the census does not say", so the value held is kept. */
export interface CensusRecord {
  urn: number;
  pupilsOnRoll?: number;
  percentFsm?: number;
}

export function readCensusRow(row: Row): CensusRecord {
  return {
    urn: urn(row, 'URN'),
    pupilsOnRoll: integer(row, 'NOR', 0, 100_000, NOT_A_NUMBER),
    // PNUMFSMEVER: % of pupils eligible for free school meals at any time in the last six years ("21.90%").
    percentFsm: decimal(row, 'PNUMFSMEVER', 0, 100, NOT_A_NUMBER),
  };
}

export interface CensusImportOptions {
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

/**
 * Imports the school census (NOR -> pupils on roll, PNUMFSMEVER -> % FSM) onto schools already held,
 * matched by URN. Schools Trellis does not hold are skipped as "unknown URN"; the file covers all of
 * England, so against one authority's schools most rows are.
 *
 * Speed: rows are validated as they stream in (a bad row never reaches the database), then handled
 * in batches of 2,000 per transaction: one query reads the batch's schools by URN, the changes are
 * worked out here (so unchanged rows cost nothing), and one set-based UPDATE from a JSON record set
 * writes them. A census row touches one school row, so a batch update is all-or-nothing per row by
 * construction; should the database still refuse the batch, it is replayed row by row with a
 * savepoint each, and only the refused row is skipped. 24,000 rows take about a dozen statements.
 */
export async function importSchoolCensus(orm: MikroORM, source: CsvSource, options: CensusImportOptions = {}): Promise<ImportReport> {
  const report = new ReportBuilder('census', sourceLabel(source));
  const csv = readCsv(source, (problem) => {
    report.row();
    report.skip(problem);
  });
  const seen = new Map<number, number>();

  async function* validRows() {
    for await (const { line, values } of csv.rows) {
      report.row();
      if (text(values, 'URN') === 'NAT') {
        report.skip({ line, code: 'not_applicable', reason: 'URN: "NAT" is a national total, not a school' });
        continue;
      }
      try {
        const record = readCensusRow(values);
        const earlier = seen.get(record.urn);
        if (earlier !== undefined) {
          report.skip({ line, urn: record.urn, code: 'duplicate', reason: `URN: ${record.urn} already read on line ${earlier}` });
          continue;
        }
        seen.set(record.urn, line);
        yield { line, record };
      } catch (error) {
        if (!(error instanceof InvalidValue)) throw error;
        report.skip({ line, code: 'invalid_value', reason: error.message });
      }
    }
  }

  for await (const batch of inBatches(validRows(), options.batchSize ?? 2000)) {
    await orm.em.fork().transactional(async (tx) => {
      const urns = batch.map((row) => row.record.urn);
      const held: { id: number; urn: number; pupils_on_roll: number | null; percent_fsm: string | null }[] = await tx.execute(
        `select id, urn, pupils_on_roll, percent_fsm from school where urn in (?)`,
        [urns],
      );
      const byUrn = new Map(held.map((school) => [school.urn, school]));
      const changes: Change[] = [];
      for (const { line, record } of batch) {
        const school = byUrn.get(record.urn);
        if (!school) {
          report.skip({
            line,
            urn: record.urn,
            code: 'unknown_urn',
            reason: `URN: ${record.urn} is an unknown URN (no such school in Trellis)`,
          });
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
  report.note('encoding', csv.encoding());
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
