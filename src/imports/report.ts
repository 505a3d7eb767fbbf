/** Which importer produced a report (also the word used on the command line). */
export type ImporterName = 'gias' | 'census' | 'links';

/** Why a row was skipped, as a closed set, so reports can be summed and compared across runs. */
export type SkipCode =
  /** The CSV itself is broken at this record (unbalanced quotes, wrong number of columns). */
  | 'malformed_csv'
  /** A value failed validation (not a number, out of range, unknown enum value, impossible date). */
  | 'invalid_value'
  /** The row names a URN that is not in the database (census, links). */
  | 'unknown_urn'
  /** The same URN (or link) appeared earlier in the same file; the first row wins. */
  | 'duplicate'
  /** The row is valid, but is not something this importer records (e.g. a sixth-form centre link). */
  | 'not_applicable'
  /** The database refused the row (a constraint the validation did not foresee); nothing of it was written. */
  | 'rejected_by_database';

/** One skipped row: where it is in the file and why, in words a data manager can act on. */
export interface ImportProblem {
  /** 1-based line number in the file; the header is line 1, so the first data row is line 2. */
  line: number;
  code: SkipCode;
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
  /** Facts about the run worth keeping with the counts, e.g. the GIAS extract date or the file's encoding. */
  notes: Record<string, string | number>;
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

  note(key: string, value: string | number): void {
    this.report.notes[key] = value;
  }

  finish(): ImportReport {
    this.report.problems.sort((a, b) => a.line - b.line);
    this.report.durationMs = Math.round(Number(process.hrtime.bigint() - this.startedAt) / 1e6);
    return this.report;
  }
}
