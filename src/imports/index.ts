/**
 * Importers from DfE open data, all reading through one CSV reader (csv.ts) into one report shape
 * (report.ts): GIAS establishments, GIAS links, the school census, KS2 performance tables, Ofsted
 * ratings from GIAS, and measures data drops.
 */
export { importGiasEstablishments, readEstablishment, extractDateFromName } from './gias-establishments';
export { importSchoolCensus, readCensusRow } from './school-census';
export { importGiasLinks, readLinkRow } from './gias-links';
export { importKs2, readKs2Value, academicYearFromName } from './ks2';
export { importOfsted } from './ofsted';
export { importMeasures } from './measures';
export { ImportFileError, readCsvFile, decideEncoding } from './csv';
export { gridToWgs84 } from './grid';
export type { ImportProblem, ImportReport, ImporterName, SkipCode, WriteCounts } from './report';
