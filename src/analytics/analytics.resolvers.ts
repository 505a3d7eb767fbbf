import { bandResolvers } from './bands.resolver';
import { capacityResolvers } from './capacity.resolver';
import { FamilyOfSchoolsMutations } from './families';
import { impactResolvers } from './impact.resolver';
import { progressResolvers } from './progress';

/** Every resolver of the analytics folder, registered in src/server/schema.ts with one line. */
export const analyticsResolvers = [...bandResolvers, ...capacityResolvers, FamilyOfSchoolsMutations, ...impactResolvers, ...progressResolvers];
