import { bandResolvers } from './bands.resolver';
import { capacityResolvers } from './capacity.resolver';

/** Every resolver of the analytics folder, registered in src/server/schema.ts with one line. */
export const analyticsResolvers = [...bandResolvers, ...capacityResolvers];
