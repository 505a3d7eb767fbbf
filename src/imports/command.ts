import type { MikroORM } from '@mikro-orm/postgresql';
import { importGiasEstablishments } from './gias-establishments';
import { importGiasLinks } from './gias-links';
import { ImporterName, ImportReport } from './report';
import { importSchoolCensus } from './school-census';

export const IMPORTERS: Record<ImporterName, (orm: MikroORM, file: string) => Promise<ImportReport>> = {
  gias: (orm, file) => importGiasEstablishments(orm, file),
  census: (orm, file) => importSchoolCensus(orm, file),
  links: (orm, file) => importGiasLinks(orm, file),
};

export const IMPORT_USAGE = 'import <gias|census|links> <file> [--problems=N]';

/**
 * `trellis import <kind> <file>`: runs one importer and returns the report to print. The report lists
 * every skipped row; on a national file against one authority's schools that is tens of thousands,
 * so only the first N problems (default 50, `--problems=all` for every one) are kept for printing,
 * with `problemsNotShown` counting the rest.
 */
export async function runImportCommand(orm: MikroORM, args: string[]): Promise<ImportReport & { problemsNotShown?: number }> {
  const flags = args.filter((arg) => arg.startsWith('--'));
  const [kind, file, ...extra] = args.filter((arg) => !arg.startsWith('--'));
  if (!kind || !file || extra.length || !(kind in IMPORTERS)) throw new Error(`usage: trellis ${IMPORT_USAGE}`);
  const limitFlag = flags.find((flag) => flag.startsWith('--problems='))?.slice('--problems='.length);
  const limit = limitFlag === 'all' ? Infinity : Number(limitFlag ?? 50);
  const report = await IMPORTERS[kind as ImporterName](orm, file);
  if (report.problems.length <= limit) return report;
  return { ...report, problems: report.problems.slice(0, limit), problemsNotShown: report.problems.length - limit };
}
