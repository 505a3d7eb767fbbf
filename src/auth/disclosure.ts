import { toGlobalId } from '../core/node';
import { maySee } from './policy';
import type { Viewer } from './viewer';

/*
 * Fields that carry a reference inside free-form data (an alert's evidence, who changed a rule or an
 * alert) decide here what the caller may learn from it: a reference they may resolve (a global ID of a
 * row they may see), or nothing. Raw database ids never leave the server.
 */

/** What each id-carrying evidence key refers to, and the row the policy needs to decide on it. */
const EVIDENCE_REFERENCES: Record<string, { type: string; row: (id: number, item: Record<string, unknown>, schoolId: number) => object }> = {
  personId: { type: 'Person', row: (id) => ({ id }) },
  governorshipId: {
    type: 'Governorship',
    row: (id, item) => ({ id, governingBody: item.governingBodyId as number, person: item.personId as number }),
  },
  governingBodyId: { type: 'GoverningBody', row: (id) => ({ id }) },
  supportLinkId: { type: 'SupportLink', row: (id, item, schoolId) => ({ id, giver: item.giverId as number, receiver: schoolId }) },
  giverId: { type: 'School', row: (id) => ({ id }) },
  inspectionId: { type: 'Inspection', row: (id) => ({ id }) },
  previousInspectionId: { type: 'Inspection', row: (id) => ({ id }) },
};

/**
 * An alert's evidence as the viewer may read it: every id becomes the global ID of what it names when
 * the viewer may see that, and null when not; the rule's id becomes its (public) global ID.
 */
export async function evidenceFor(viewer: Viewer, evidence: Record<string, unknown>, schoolId: number): Promise<Record<string, unknown>> {
  const present = async (value: unknown, key?: string, parent?: Record<string, unknown>): Promise<unknown> => {
    if (Array.isArray(value)) return Promise.all(value.map((item) => present(item)));
    if (value && typeof value === 'object') {
      const item = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(item)) out[k] = await present(v, k, item);
      return out;
    }
    const reference = key ? EVIDENCE_REFERENCES[key] : undefined;
    if (reference && typeof value === 'number') {
      const row = reference.row(value, parent ?? {}, schoolId);
      return (await maySee(viewer, reference.type, row)) ? toGlobalId(reference.type, value) : null;
    }
    return value;
  };
  const shown = (await present(evidence)) as Record<string, unknown>;
  const rule = evidence.rule as Record<string, unknown> | undefined;
  if (rule && typeof rule.id === 'number') shown.rule = { ...(shown.rule as object), id: toGlobalId('TriggerRule', rule.id) };
  return shown;
}

/**
 * Who made a change (an audit label: `person:<id>` or `app:<id>:<name>`), as the viewer may learn it:
 * administrators read the label; others the person's global ID when they may see that person, else null.
 */
export async function actorFor(viewer: Viewer, label: string | null | undefined): Promise<string | null> {
  if (!label) return null;
  if (await viewer.isAdmin()) return label;
  const person = /^person:(\d+)$/.exec(label);
  if (!person) return null;
  const id = Number(person[1]);
  return (await maySee(viewer, 'Person', { id })) ? toGlobalId('Person', id) : null;
}

/** The description shared by every field that names who made a change. */
export const ACTOR_DESCRIPTION =
  "the person's global ID when you may see them (administrators read the caller's audit label, `person:<id>` or `app:<id>:<name>`); null otherwise.";
