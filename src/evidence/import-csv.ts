import { CsvOptions, readCsv as readCsvStream } from '../imports/csv';

/**
 * What an evidence import did. `created`, `updated` and `unchanged` count the records written
 * (measure values, or inspections); `skipped` counts file rows left out, and every skipped row is
 * in `problems` with its line (the header is line 1) and why. A skipped row wrote nothing at all.
 */
export interface EvidenceImportReport {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  problems: { line: number; reason: string }[];
}

export interface CsvFile {
  header: string[];
  /** Rows keyed by header name; a field the row lacks reads as ''. */
  rows: { line: number; values: Record<string, string> }[];
  /** Records the parser refused (unbalanced quotes, a wrong number of fields), with their line. */
  broken: { line: number; reason: string }[];
}

/**
 * Reads a whole file through the importers' CSV reader (src/imports/csv.ts: csv-parse, BOM, UTF-8 or
 * Windows-1252). Evidence imports check every row before writing any, so they hold the rows in memory.
 */
export async function readCsv(file: string, options: CsvOptions = {}): Promise<CsvFile> {
  const broken: CsvFile['broken'] = [];
  const reader = readCsvStream(file, (problem) => broken.push({ line: problem.line, reason: problem.reason }), options);
  const rows: CsvFile['rows'] = [];
  for await (const { line, values } of reader.rows) rows.push({ line, values });
  const header = reader.columns();
  for (const row of rows) for (const column of header) row.values[column] ??= '';
  return { header, rows, broken };
}

export function requireColumns(file: CsvFile, columns: string[]): void {
  const missing = columns.filter((column) => !file.header.includes(column));
  if (missing.length > 0) throw new Error(`the file has no column ${missing.join(', ')}; is it the right file?`);
}

export function emptyReport(): EvidenceImportReport {
  return { created: 0, updated: 0, unchanged: 0, skipped: 0, problems: [] };
}

export function skip(report: EvidenceImportReport, line: number, reason: string): void {
  report.skipped += 1;
  report.problems.push({ line, reason });
}

/** A URN cell: a positive whole number, or undefined. */
export function readUrn(text: string | undefined): number | undefined {
  const value = text?.trim() ?? '';
  return /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined;
}
