import type { CsvRow } from './csv';
import type { ReportBuilder } from './report';
import { InvalidValue, Row, urn } from './values';

/** A file row whose URN has been read. */
export interface UrnRow {
  line: number;
  urn: number;
  values: Row;
}

/**
 * Counts every row of a file and returns those with a well-formed URN in `column`, in file order. A
 * row `admit` turns down (it reports why) or whose URN is malformed (`invalid_value`) is skipped: the
 * first checks a person makes of a row, before any school is looked up.
 */
export function rowsWithUrn(
  rows: CsvRow[],
  report: ReportBuilder,
  column: string,
  admit: (line: number, values: Row) => boolean = () => true,
): UrnRow[] {
  const read: UrnRow[] = [];
  for (const { line, values } of rows) {
    report.row();
    if (!admit(line, values)) continue;
    try {
      read.push({ line, urn: urn(values, column), values });
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      report.skip({ line, code: 'invalid_value', field: error.column, reason: error.message });
    }
  }
  return read;
}

/** Skips a row whose URN names no school Trellis holds. */
export function skipUnknownUrn(report: ReportBuilder, line: number, id: number, column: string): void {
  report.skip({
    line,
    urn: id,
    code: 'unknown_urn',
    field: column,
    reason: `${column}: ${id} is an unknown URN (no such school in Trellis)`,
  });
}
