import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000Core } from './Migration20261123000000Core';
import { Migration20261123100000Evidence } from './Migration20261123100000Evidence';
import { Migration20261123120000Auth } from './Migration20261123120000Auth';
import { Migration20261123110000Alerts } from './Migration20261123110000Alerts';
import { Migration20261202110000ReviewsAndInterventions } from './Migration20261202110000ReviewsAndInterventions';

/** Every migration in order. New ones are appended here as well as added to this folder. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000000Core', class: Migration20261123000000Core },
  { name: 'Migration20261123100000Evidence', class: Migration20261123100000Evidence },
  { name: 'Migration20261123110000Alerts', class: Migration20261123110000Alerts },
  { name: 'Migration20261123120000Auth', class: Migration20261123120000Auth },
  { name: 'Migration20261202110000ReviewsAndInterventions', class: Migration20261202110000ReviewsAndInterventions },
];
