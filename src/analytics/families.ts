import type { EntityManager } from '@mikro-orm/postgresql';
import { IsInt, Max, Min } from 'class-validator';
import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { Access } from '../auth/auth-checker';
import type { Context } from '../core/context';
import { loadByGlobalId, mutate } from '../core/mutation';
import { check, fail, UserError, UserErrorCode } from '../core/user-errors';
import { Group } from '../groups/group.entity';
import { School } from '../schools/school.entity';
import { OPEN_STATUSES } from './geo';
import { dissimilarity, PRIOR_ATTAINMENT_CTE } from './similarity';

/**
 * Families of similar schools: for a school, the N most similar open schools of its phase in the
 * whole country (similarity.ts: size, % FSM, setting and prior attainment, each when both hold it), kept as a group of kind family of schools (`source_key`
 * 'family:<urn>', the school as lead) so that it can be read, compared and evaluated like any group.
 * Refreshing recomputes the family: schools no longer in it have their membership ended today
 * (history kept), new ones join today.
 */
export const MAX_FAMILY_SIZE = 50;

@InputType({ description: 'Builds or refreshes the family of similar schools of one school.' })
export class FamilyOfSchoolsRefreshInput {
  @Field(() => ID, { description: 'The school the family is built around.' })
  schoolId!: string;

  @Field(() => Int, { defaultValue: 10, description: `How many similar schools (1 to ${MAX_FAMILY_SIZE}).` })
  @IsInt({ message: 'must be a whole number.' })
  @Min(1, { message: `must be from 1 to ${MAX_FAMILY_SIZE}.` })
  @Max(MAX_FAMILY_SIZE, { message: `must be from 1 to ${MAX_FAMILY_SIZE}.` })
  size: number = 10;
}

@ObjectType({ description: 'Result of building or refreshing a family of schools.' })
export class FamilyOfSchoolsRefreshPayload {
  @Field(() => Group, { nullable: true, description: 'The family (a group of kind FAMILY_OF_SCHOOLS); null when nothing was written.' })
  group?: Group;

  @Field(() => Int, { nullable: true, description: 'Schools that joined the family in this refresh.' })
  joined?: number;

  @Field(() => Int, { nullable: true, description: 'Schools whose membership ended in this refresh (no longer among the most similar).' })
  left?: number;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

export async function refreshFamily(
  em: EntityManager,
  school: School,
  size: number,
): Promise<{ group: Group; joined: number; left: number }> {
  if (school.status === 'closed')
    fail(['input', 'schoolId'], `${school.name} is closed: families are of open schools.`, UserErrorCode.CONFLICT);
  const similar: { id: number }[] = await em.execute(
    `with prior as materialized (${PRIOR_ATTAINMENT_CTE})
     select c.id from school o join school c on c.phase = o.phase and c.id <> o.id and c.status in ${OPEN_STATUSES}
       left join prior po on po.school_id = o.id left join prior pc on pc.school_id = c.id
     where o.id = ? order by ${dissimilarity('o', 'c', 'po.value', 'pc.value')}, c.urn limit ?`,
    [school.id, size],
  );
  const sourceKey = `family:${school.urn}`;
  const [row]: { id: number }[] = await em.execute(
    `insert into school_group (name, kind, status, opened_on, source_key, created_at, updated_at)
     values (?, 'family_of_schools', 'open', current_date, ?, now(), now())
     on conflict (source_key) do update set name = excluded.name, status = 'open', closed_on = null, updated_at = now()
     returning id`,
    [`Family of ${school.name}`, sourceKey],
  );
  const wanted = JSON.stringify([school.id, ...similar.map((s) => s.id)]);
  const [counts]: { joined: number; left: number }[] = await em.execute(
    `with wanted as (select (value::text)::int as school_id, ordinality from jsonb_array_elements(?::jsonb) with ordinality),
     ended as (
       update membership m set left_on = current_date
       where m.group_id = ? and (m.left_on is null or m.left_on > current_date) and m.school_id not in (select school_id from wanted)
       returning 1),
     joined as (
       insert into membership (school_id, group_id, group_kind, role, joined_on)
       select w.school_id, ?, 'family_of_schools', case when w.ordinality = 1 then 'lead' else 'member' end, current_date from wanted w
       where not exists (select 1 from membership m where m.group_id = ? and m.school_id = w.school_id
         and m.joined_on <= current_date and (m.left_on is null or m.left_on > current_date))
       returning 1)
     select (select count(*) from joined)::int as joined, (select count(*) from ended)::int as left`,
    [wanted, row.id, row.id, row.id],
  );
  const group = await em.findOneOrFail(Group, { id: row.id }, { refresh: true });
  return { group, joined: counts.joined, left: counts.left };
}

@Resolver()
export class FamilyOfSchoolsMutations {
  @Authorized(Access.WRITE_GROUPS)
  @Mutation(() => FamilyOfSchoolsRefreshPayload, {
    description:
      'Builds or refreshes the family of a school: its most similar open schools of the same phase nationally (pupils, % FSM, urban/rural, prior attainment), kept as a group of kind FAMILY_OF_SCHOOLS. Needs the right to change the school.',
  })
  familyOfSchoolsRefresh(
    @Arg('input', { description: 'The school and the family size.' }) input: FamilyOfSchoolsRefreshInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(input);
      const school = await loadByGlobalId(em, School, input.schoolId, ['input', 'schoolId']);
      return refreshFamily(em, school, input.size);
    });
  }
}
