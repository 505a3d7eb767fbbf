import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000Core } from './Migration20261123000000Core';
import { Migration20261123100000Evidence } from './Migration20261123100000Evidence';
import { Migration20261123110000Alerts } from './Migration20261123110000Alerts';
import { Migration20261123120000Auth } from './Migration20261123120000Auth';
import { Migration20261202090000AccessNotify } from './Migration20261202090000AccessNotify';
import { Migration20261202090100ApiKeyScopesNotify } from './Migration20261202090100ApiKeyScopesNotify';
import { Migration20261202100000EvidenceAge } from './Migration20261202100000EvidenceAge';
import { Migration20261202110000ReviewsAndInterventions } from './Migration20261202110000ReviewsAndInterventions';
import { Migration20261202120000Analytics } from './Migration20261202120000Analytics';
import { Migration20261202140000TrustedDocuments } from './Migration20261202140000TrustedDocuments';
import { Migration20261202150000PartnershipGovernance } from './Migration20261202150000PartnershipGovernance';
import { Migration20261202160000ReviewTeam } from './Migration20261202160000ReviewTeam';
import { Migration20261202160100GovernanceHealth } from './Migration20261202160100GovernanceHealth';
import { Migration20261202170000PriorAttainment } from './Migration20261202170000PriorAttainment';
import { Migration20261202171000BandPhaseChange } from './Migration20261202171000BandPhaseChange';

/** Every migration in order. New ones are appended here as well as added to this folder. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000000Core', class: Migration20261123000000Core },
  { name: 'Migration20261123100000Evidence', class: Migration20261123100000Evidence },
  { name: 'Migration20261123110000Alerts', class: Migration20261123110000Alerts },
  { name: 'Migration20261123120000Auth', class: Migration20261123120000Auth },
  { name: 'Migration20261202090000AccessNotify', class: Migration20261202090000AccessNotify },
  { name: 'Migration20261202090100ApiKeyScopesNotify', class: Migration20261202090100ApiKeyScopesNotify },
  { name: 'Migration20261202100000EvidenceAge', class: Migration20261202100000EvidenceAge },
  { name: 'Migration20261202110000ReviewsAndInterventions', class: Migration20261202110000ReviewsAndInterventions },
  { name: 'Migration20261202120000Analytics', class: Migration20261202120000Analytics },
  { name: 'Migration20261202140000TrustedDocuments', class: Migration20261202140000TrustedDocuments },
  { name: 'Migration20261202150000PartnershipGovernance', class: Migration20261202150000PartnershipGovernance },
  { name: 'Migration20261202160000ReviewTeam', class: Migration20261202160000ReviewTeam },
  { name: 'Migration20261202160100GovernanceHealth', class: Migration20261202160100GovernanceHealth },
  { name: 'Migration20261202170000PriorAttainment', class: Migration20261202170000PriorAttainment },
  { name: 'Migration20261202171000BandPhaseChange', class: Migration20261202171000BandPhaseChange },
];
