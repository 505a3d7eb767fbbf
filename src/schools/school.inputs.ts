import { Field, InputType, Int } from 'type-graphql';
import { GroupKind } from '../groups/group.enums';
import { EstablishmentType, Nation, Phase, SchoolStatus, UrbanRural } from './school.enums';

@InputType({ description: 'Narrows a list of schools. Every condition given must hold; a list matches any of its values.' })
export class SchoolFilter {
  @Field(() => [Phase], { nullable: true, description: 'Phases to include.' })
  phase?: Phase[];

  @Field(() => [EstablishmentType], { nullable: true, description: 'Establishment types to include.' })
  establishmentType?: EstablishmentType[];

  @Field(() => [SchoolStatus], { nullable: true, description: 'Statuses to include.' })
  status?: SchoolStatus[];

  @Field(() => [Nation], { nullable: true, description: 'Nations to include.' })
  nation?: Nation[];

  @Field(() => Int, { nullable: true, description: 'Local authority code (e.g. 850).' })
  localAuthorityCode?: number;

  @Field({ nullable: true, description: 'Local authority name, exactly (e.g. "Hampshire").' })
  localAuthority?: string;

  @Field({ nullable: true, description: 'Region, exactly (e.g. "South East").' })
  region?: string;

  @Field({ nullable: true, description: 'Parliamentary constituency, exactly.' })
  constituency?: string;

  @Field(() => [UrbanRural], { nullable: true, description: 'Rural-urban classes to include.' })
  urbanRural?: UrbanRural[];

  @Field(() => [GroupKind], { nullable: true, description: 'Only schools currently in a group of one of these kinds.' })
  groupKind?: GroupKind[];

  @Field({
    nullable: true,
    description: 'Only schools not currently in any group of the kinds in `groupKind` (or of any kind when it is not given).',
  })
  withoutGroup?: boolean;

  @Field({ nullable: true, description: 'Case-insensitive text the name contains.' })
  nameContains?: string;
}
