/** Which importer produced a report (also the word used on the command line). */
export type ImporterName = 'gias' | 'links' | 'census' | 'ks2' | 'ofsted' | 'measures';

/**
 * Why a row was skipped, as a closed set, so reports can be summed and compared across runs. Listed
 * in the order the importers check a row, which is the order a person would: can the row be read at
 * all, is it a school's row, is its URN well formed and known, has it come before, are its values
 * good, is there anything in it to record. A row gets the code of the first check it fails.
 */
export const SKIP_CODES = [
  /** The CSV itself is broken at this record (cut inside a quoted field, more or fewer fields than the header). */
  'malformed_csv',
  /** The line's text is not in the file's encoding (a UTF-8 line in a Windows-1252 file): skipped, not stored garbled. */
  'mixed_encoding',
  /** The row is valid, but is not something this importer records (an average row, a national total, a sixth-form link). */
  'not_applicable',
  /** A value failed validation (not a URN, not a number, out of range, unknown label, impossible or future date). */
  'invalid_value',
  /** The row names a URN that Trellis does not hold. */
  'unknown_urn',
  /** The same URN (or link) appeared earlier in the same file; the first row wins. */
  'duplicate',
  /** A school's row with nothing published in it: every KS2 value suppressed or missing, a drop's value missing. */
  'no_results',
  /** A school's row with no inspection in it (GIAS: no Ofsted rating yet). */
  'not_inspected',
  /** The database refused the row (a constraint the validation did not foresee); nothing of it was written. */
  'rejected_by_database',
] as const;

export type SkipCode = (typeof SKIP_CODES)[number];

/** One skipped row: where it is in the file and why, in words a data manager can act on. */
export interface ImportProblem {
  /** 1-based line number in the file; the header is line 1, so the first data row is line 2. */
  line: number;
  code: SkipCode;
  /** The column at fault, where one is. */
  field?: string;
  /** Names the column and the offending value where there is one, e.g. `CloseDate: "31-02-2021" is not a real date`. */
  reason: string;
  /** The row's URN, when it could be read. */
  urn?: number;
}

/** Counts of one kind of record the import wrote besides the rows' own target (groups, memberships). */
export interface WriteCounts {
  created: number;
  updated: number;
  /** Memberships ended because the school no longer lists the group (history kept: `leftOn` is set). */
  ended: number;
  unchanged: number;
}

/**
 * What an import did. Every data row lands in exactly one of created, updated, unchanged or skipped,
 * so `rows === created + updated + unchanged + skipped`; every skipped row has one entry in `problems`.
 */
export interface ImportReport {
  importer: ImporterName;
  /** The file read (as given), or a caller's label for a stream. */
  source: string;
  /** Data rows read, header excluded. */
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** Skipped rows summed by code, e.g. `{ unknown_urn: 21950 }`. */
  skippedByCode: Partial<Record<SkipCode, number>>;
  problems: ImportProblem[];
  /** Other records written along the way: groups and memberships (GIAS). */
  related?: Record<string, WriteCounts>;
  /** Facts about the run worth keeping with the counts, e.g. the GIAS extract date or the academic year. */
  notes: Record<string, string | number>;
  /** The encoding the file was read in, decided from all of it: utf-8 or windows-1252. */
  encoding: string;
  /** True when the import was a check only (--dry-run): everything was rolled back. */
  dryRun: boolean;
  durationMs: number;
}

export type RowOutcome = 'created' | 'updated' | 'unchanged';

/** Accumulates a report while rows stream through an importer. */
export class ReportBuilder {
  private readonly startedAt = process.hrtime.bigint();
  private readonly report: ImportReport;

  constructor(importer: ImporterName, source: string) {
    this.report = {
      importer,
      source,
      rows: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      skippedByCode: {},
      problems: [],
      notes: {},
      encoding: 'utf-8',
      dryRun: false,
      durationMs: 0,
    };
  }

  row(): void {
    this.report.rows += 1;
  }

  count(outcome: RowOutcome): void {
    this.report[outcome] += 1;
  }

  skip(problem: ImportProblem): void {
    this.report.skipped += 1;
    this.report.skippedByCode[problem.code] = (this.report.skippedByCode[problem.code] ?? 0) + 1;
    this.report.problems.push(problem);
  }

  related(name: string, field: keyof WriteCounts, by = 1): void {
    const related = (this.report.related ??= {});
    const counts = (related[name] ??= { created: 0, updated: 0, ended: 0, unchanged: 0 });
    counts[field] += by;
  }

  /** Records what the reader found: the encoding, and one skipped row per record it could not read. */
  read(file: { encoding: string; problems: ImportProblem[] }): void {
    this.report.encoding = file.encoding;
    for (const problem of file.problems) {
      this.row();
      this.skip(problem);
    }
  }

  dryRun(): void {
    this.report.dryRun = true;
  }

  note(key: string, value: string | number): void {
    this.report.notes[key] = value;
  }

  finish(): ImportReport {
    this.report.problems.sort((a, b) => a.line - b.line);
    const byCode = this.report.skippedByCode;
    this.report.skippedByCode = Object.fromEntries(SKIP_CODES.filter((code) => byCode[code]).map((code) => [code, byCode[code]]));
    this.report.durationMs = Math.round(Number(process.hrtime.bigint() - this.startedAt) / 1e6);
    return this.report;
  }
}
