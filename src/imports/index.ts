/** Importers from DfE open data: GIAS establishments, the school census and GIAS links. */
export { importGiasEstablishments, readEstablishment, extractDateFromName } from './gias-establishments';
export { importSchoolCensus, readCensusRow } from './school-census';
export { importGiasLinks, readLinkRow } from './gias-links';
export { gridToWgs84 } from './grid';
export type { ImportProblem, ImportReport, ImporterName, SkipCode, WriteCounts } from './report';
