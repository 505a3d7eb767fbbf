import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { openDatabase } from '../database/database';
import { ImportFileError } from './csv';
import { importGiasEstablishments } from './gias-establishments';
import { importGiasLinks } from './gias-links';
import { importKs2 } from './ks2';
import { importMeasures } from './measures';
import { importOfsted } from './ofsted';
import { ImporterName, ImportReport } from './report';
import { importSchoolCensus } from './school-census';

interface CommandOptions {
  dryRun: boolean;
  academicYear?: string;
  extractDate?: string;
}

/** Every importer, by the word used on the command line; each reads a file and returns the one report shape. */
export const IMPORTERS: Record<ImporterName, (orm: MikroORM, file: string, options: CommandOptions) => Promise<ImportReport>> = {
  gias: (orm, file, options) => importGiasEstablishments(orm, file, options),
  links: (orm, file, options) => importGiasLinks(orm, file, options),
  census: (orm, file, options) => importSchoolCensus(orm, file, options),
  ks2: (orm, file, options) => importKs2(orm, file, options),
  ofsted: (orm, file, options) => importOfsted(orm, file, options),
  measures: (orm, file, options) => importMeasures(orm, file, options),
};

export const IMPORT_USAGE = `import <gias|links|census|ks2|ofsted|measures> <file> [--dry-run] [--problems=N|all]
                     [--academic-year=YYYY/YY (ks2)] [--extract-date=YYYY-MM-DD (gias)]`;

export const IMPORT_HELP = `  import a DfE file and print one report (JSON) of what it did:
    gias      GIAS establishment extract: schools, trusts, federations, memberships
    links     GIAS links: predecessor/successor schools
    census    school census: pupils on roll, % FSM
    ks2       KS2 performance tables: outcome measures (academic year from the file name, or --academic-year)
    ofsted    Ofsted ratings in a GIAS establishment extract: inspections
    measures  a data drop CSV: urn,metric,academic_year,value,source
  --dry-run checks the file and reports as if importing, then rolls everything back.
  Exit code 0 when the file was read (even with skipped rows), 1 when it cannot be read or is not a
  file of that kind, 2 for a wrong command line.`;

const FLAGS = ['--dry-run', '--problems=', '--academic-year=', '--extract-date='];

export class ImportUsageError extends Error {}

/** Parses the command line; throws ImportUsageError with a one-sentence reason. */
export function parseImportArgs(args: string[]): { kind: ImporterName; file: string; options: CommandOptions; limit: number } {
  const flags = args.filter((arg) => arg.startsWith('--'));
  const [kind, file, ...extra] = args.filter((arg) => !arg.startsWith('--'));
  const unknown = flags.find((flag) => !FLAGS.some((known) => (known.endsWith('=') ? flag.startsWith(known) : flag === known)));
  if (unknown) throw new ImportUsageError(`unknown option ${unknown}`);
  if (!kind) throw new ImportUsageError('say what to import: gias, links, census, ks2, ofsted or measures');
  if (!(kind in IMPORTERS))
    throw new ImportUsageError(`"${kind}" is not a kind of import: use gias, links, census, ks2, ofsted or measures`);
  if (!file) throw new ImportUsageError(`give the file to import as ${kind}`);
  if (extra.length) throw new ImportUsageError(`one file at a time: "${extra[0]}" is one too many`);
  const value = (name: string) => flags.find((flag) => flag.startsWith(`${name}=`))?.slice(name.length + 1);
  const problems = value('--problems');
  const limit = problems === undefined ? 50 : problems === 'all' ? Infinity : Number(problems);
  if (!(limit >= 0) || (Number.isFinite(limit) && !Number.isInteger(limit)))
    throw new ImportUsageError(`--problems must be a whole number or "all", not "${problems}"`);
  const extractDate = value('--extract-date');
  if (extractDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(extractDate))
    throw new ImportUsageError(`--extract-date must be YYYY-MM-DD, not "${extractDate}"`);
  return {
    kind: kind as ImporterName,
    file,
    limit,
    options: { dryRun: flags.includes('--dry-run'), academicYear: value('--academic-year'), extractDate },
  };
}

/**
 * Runs one importer and returns the report to print. The report lists every skipped row; on a
 * national file against one authority's schools that is tens of thousands, so only the first N
 * problems (default 50, `--problems=all` for every one) are printed, with `problemsNotShown` counting
 * the rest (skippedByCode still counts them all).
 */
export async function runImport(orm: MikroORM, args: string[]): Promise<ImportReport & { problemsNotShown?: number }> {
  const { kind, file, options, limit } = parseImportArgs(args);
  const report = await IMPORTERS[kind](orm, file, options);
  if (report.problems.length <= limit) return report;
  return { ...report, problems: report.problems.slice(0, limit), problemsNotShown: report.problems.length - limit };
}

/** `trellis import KIND FILE`: prints the report on stdout; returns the exit code (see IMPORT_HELP). */
export async function importCommand(config: Config, args: string[]): Promise<number> {
  try {
    parseImportArgs(args);
  } catch (error) {
    if (!(error instanceof ImportUsageError)) throw error;
    process.stderr.write(`trellis import: ${error.message}.\nusage: trellis ${IMPORT_USAGE}\n`);
    return 2;
  }
  const db = await openDatabase(config);
  try {
    process.stdout.write(`${JSON.stringify(await runImport(db.orm, args), null, 2)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error;
    process.stderr.write(`trellis import: ${error.message}.\n`);
    return 1;
  } finally {
    await db.close();
  }
}

/** The old `trellis evidence KIND FILE [YEAR]` command's kinds, now imports like the others. */
const EVIDENCE_KINDS: Record<string, ImporterName> = { ks2: 'ks2', 'ofsted-gias': 'ofsted', 'measures-csv': 'measures' };

/** `trellis evidence ...` is an alias: it says where the command went, then runs the import. */
export async function evidenceAliasCommand(config: Config, args: string[]): Promise<number> {
  const [kind, file, year, ...rest] = args;
  const mapped = EVIDENCE_KINDS[kind ?? ''];
  const moved = [mapped ?? kind ?? 'KIND', file ?? 'FILE', ...(year ? [`--academic-year=${year}`] : []), ...rest];
  process.stderr.write(`trellis evidence is now trellis import (npm run import -- ${moved.join(' ')}).\n`);
  if (!mapped) {
    process.stderr.write(`trellis evidence: "${kind ?? ''}" is not one of ks2, ofsted-gias, measures-csv.\n`);
    return 2;
  }
  return importCommand(config, moved);
}
