import type { EntityManager } from '@mikro-orm/postgresql';
import { publish } from '../core/domain-events';
import { CategoryOfConcern, Inspectorate, OfstedGrade } from './evidence.enums';
import type { WriteCounts } from './measures.service';

/** An inspection's own fields, checked, ready to write. */
export interface InspectionRow {
  schoolId: number;
  inspectorate: Inspectorate;
  inspectedOn: string;
  publishedOn?: string | null;
  overallEffectiveness?: OfstedGrade | null;
  categoryOfConcern?: CategoryOfConcern | null;
  source: string;
}

export interface InspectionWritten extends WriteCounts {
  /** Database id of each row written, in the order given. */
  ids: number[];
  /** What happened to each row, in the order given. */
  outcomes: ('created' | 'updated' | 'unchanged')[];
}

/**
 * Upserts inspections set-based (one statement for any number). The key is school, inspectorate and
 * date, so a re-import updates in place; an identical row is left untouched and counted unchanged.
 * A published date already known is kept when the new record has none (GIAS carries no such date).
 */
export async function writeInspections(em: EntityManager, rows: InspectionRow[]): Promise<InspectionWritten> {
  if (rows.length === 0) return { created: 0, updated: 0, unchanged: 0, ids: [], outcomes: [] };
  const json = JSON.stringify(
    rows.map((row, i) => [
      i,
      row.schoolId,
      row.inspectorate,
      row.inspectedOn,
      row.publishedOn ?? null,
      row.overallEffectiveness ?? null,
      row.categoryOfConcern ?? null,
      row.source,
    ]),
  );
  const written: { i: number; id: number; inserted: boolean; changed: boolean }[] = await em.execute(
    `with input as (
       select (r->>0)::int as i, (r->>1)::int as school_id, r->>2 as inspectorate, (r->>3)::date as inspected_on,
              (r->>4)::date as published_on, (r->>5)::smallint as overall_effectiveness, r->>6 as category_of_concern, r->>7 as source
       from json_array_elements(?::json) r
     ), upserted as (
       insert into inspection as old (school_id, inspectorate, inspected_on, published_on, overall_effectiveness, category_of_concern, source)
       select school_id, inspectorate, inspected_on, published_on, overall_effectiveness, category_of_concern, source from input
       on conflict on constraint inspection_school_inspectorate_date_unique do update
         set published_on = coalesce(excluded.published_on, old.published_on),
             overall_effectiveness = excluded.overall_effectiveness,
             category_of_concern = excluded.category_of_concern,
             source = excluded.source,
             updated_at = now()
         where (coalesce(excluded.published_on, old.published_on), excluded.overall_effectiveness, excluded.category_of_concern, excluded.source)
               is distinct from (old.published_on, old.overall_effectiveness, old.category_of_concern, old.source)
       returning id, school_id, inspectorate, inspected_on, (xmax = 0) as inserted
     )
     select input.i, coalesce(u.id, existing.id) as id, coalesce(u.inserted, false) as inserted, u.id is not null as changed
     from input
     left join upserted u using (school_id, inspectorate, inspected_on)
     left join inspection existing on u.id is null and existing.school_id = input.school_id
       and existing.inspectorate = input.inspectorate and existing.inspected_on = input.inspected_on
     order by input.i`,
    [json],
  );
  const created = written.filter((row) => row.inserted).length;
  const updated = written.filter((row) => row.changed && !row.inserted).length;
  return {
    created,
    updated,
    unchanged: rows.length - created - updated,
    ids: written.map((row) => row.id),
    outcomes: written.map((row) => (row.inserted ? 'created' : row.changed ? 'updated' : 'unchanged')),
  };
}

/** Announces recorded inspections in the caller's transaction. */
export async function inspectionsRecorded(em: EntityManager, schoolIds: number[]): Promise<void> {
  if (schoolIds.length > 0) await publish(em, { type: 'inspections.recorded', schoolIds: [...new Set(schoolIds)] });
}
