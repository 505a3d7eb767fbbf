import fs from 'node:fs';
import { parse } from 'csv-parse/sync';

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

export interface CsvRow {
  line: number;
  values: Record<string, string>;
  /** Columns the row had, against the header's count: short rows are legal in DfE files, long ones are not. */
  width: number;
}

export interface CsvFile {
  header: string[];
  rows: CsvRow[];
  /** Records csv-parse could not read (e.g. an unclosed quote), with their line. */
  broken: { line: number; reason: string }[];
}

/** DfE and GIAS files are UTF-8 (often with a byte-order mark) or, in older extracts, Windows-1252. */
function decode(buffer: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    return buffer.toString('latin1');
  }
}

export function readCsv(file: string): CsvFile {
  const broken: CsvFile['broken'] = [];
  const records = parse(decode(fs.readFileSync(file)), {
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error: { lines?: number; message: string } | undefined) => {
      if (error) broken.push({ line: error.lines ?? 0, reason: `unreadable CSV: ${error.message}` });
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const [first, ...rest] = records;
  const header = (first?.record ?? []).map((column) => column.trim());
  const rows = rest.map(({ record, info }) => ({
    line: info.lines,
    width: record.length,
    values: Object.fromEntries(header.map((column, i) => [column, record[i] ?? ''])),
  }));
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
