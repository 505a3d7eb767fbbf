import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { openDatabase } from '../database/database';
import { EvidenceImportReport } from './import-csv';
import { importKs2 } from './import-ks2';
import { importMeasuresCsv } from './import-measures-csv';
import { importOfstedFromGias } from './import-ofsted-gias';

export const evidenceUsage = `  evidence ks2 <file> [YYYY/YY]   import KS2 performance tables as outcome measures (default year 2017/18)
  evidence ofsted-gias <file>     import Ofsted ratings from a GIAS establishment extract as inspections
  evidence measures-csv <file>    import a data drop: CSV of urn,metric,academic_year,value,source
`;

const importers: Record<string, (em: EntityManager, file: string, extra?: string) => Promise<EvidenceImportReport>> = {
  ks2: (em, file, year) => importKs2(em, file, year),
  'ofsted-gias': (em, file) => importOfstedFromGias(em, file),
  'measures-csv': (em, file) => importMeasuresCsv(em, file),
};

/** `trellis evidence <kind> <file>`: runs one import and prints its report as JSON. */
export async function evidenceCommand(config: Config, args: string[]): Promise<number> {
  const [kind, file, extra] = args;
  const importer = importers[kind ?? ''];
  if (!importer || !file) {
    process.stderr.write(`usage:\n${evidenceUsage}`);
    return 2;
  }
  const db = await openDatabase(config);
  try {
    const started = Date.now();
    const report = await importer(db.orm.em.fork(), file, extra);
    process.stdout.write(`${JSON.stringify({ ...report, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
