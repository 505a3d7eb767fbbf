import { GraphQLError } from 'graphql';
import type { Context } from '../core/context';
import { AppScope, Viewer } from './viewer';

/**
 * What a field or resolver class asks of its caller, in `@Authorized(...)`. Each names a kind of
 * access; which rows the caller then gets is decided by the row rules in policy.ts.
 */
export const Access = {
  /** Read people and staff posts (within the caller's reach). */
  PEOPLE: AppScope.READ_PEOPLE,
  /** Read governing bodies and governorships (within reach). */
  GOVERNANCE: AppScope.READ_GOVERNANCE,
  /** Read support between schools (within reach). */
  SUPPORT: AppScope.READ_SCHOOLS,
  /** Read private evidence such as self-evaluations (within reach). */
  EVIDENCE: AppScope.READ_EVIDENCE,
  /** Read alerts and trigger-rule history (within reach). */
  ALERTS: AppScope.READ_ALERTS,
  WRITE_GROUPS: AppScope.WRITE_GROUPS,
  WRITE_GOVERNANCE: AppScope.WRITE_GOVERNANCE,
  WRITE_PEOPLE: AppScope.WRITE_PEOPLE,
  WRITE_SUPPORT: AppScope.WRITE_SUPPORT,
  WRITE_EVIDENCE: AppScope.WRITE_EVIDENCE,
  WRITE_ALERTS: AppScope.WRITE_ALERTS,
  /** A person's email and phone: admins, the person, and those who sit on a body with them. */
  CONTACT: 'contact',
  /** A data drop for many schools at once: admins, and apps with write:evidence. */
  DATA_DROP: 'data-drop',
  /** Administrators only (the audit log, API keys). */
  ADMIN: 'admin',
} as const;

export const forbidden = (message: string) => new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
export const signInRequired = (message: string) => new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });

/** Whether a person has any standing that lets them write: a role, a current seat, or a lead or head post. */
async function mayWriteAtAll(viewer: Viewer): Promise<boolean> {
  const scope = await viewer.scope();
  return scope.admin || scope.roles.length > 0 || scope.seats.size > 0 || scope.schoolIds.size > 0 || scope.groupIds.size > 0;
}

/** Decides one `@Authorized` requirement; row rules then narrow what the caller gets. */
export async function checkAccess(viewer: Viewer, requirement: string, root?: unknown): Promise<void> {
  if (requirement === Access.CONTACT) {
    const personId = (root as { id?: number } | undefined)?.id;
    if (viewer.kind === 'person') {
      const scope = await viewer.scope();
      if (scope.admin || personId === viewer.personId || (personId !== undefined && scope.colleagues.has(personId))) return;
    }
    throw forbidden("A person's contact details are shown only to those who sit on a governing body with them, and to admins.");
  }
  if (viewer.kind === 'anonymous')
    throw signInRequired(`Sign in to see this: it needs ${requirement} access (send a bearer token or API key).`);
  if (viewer.kind === 'app') {
    if (requirement === Access.DATA_DROP && viewer.hasScope(AppScope.WRITE_EVIDENCE)) return;
    if (requirement !== Access.ADMIN && viewer.hasScope(requirement)) return;
    throw forbidden(`This API key lacks the ${requirement} scope.`);
  }
  const scope = await viewer.scope();
  if (!scope.known) throw signInRequired('The token names no known person.');
  if (scope.admin) return;
  if (requirement === Access.ADMIN || requirement === Access.DATA_DROP) throw forbidden('Only administrators may do this.');
  if (requirement.startsWith('write:') && !(await mayWriteAtAll(viewer)))
    throw forbidden('Changes need a role: governor, executive head or CEO, headteacher, local authority officer or admin.');
}

/**
 * checkAccess without waiting, for the common case of a guard that passes with a scope already read:
 * true only where checkAccess would return without refusing; undefined for everything else (a refusal,
 * a scope not read yet, a write requirement), which then goes through checkAccess itself, so every
 * decision and every error message stays checkAccess's.
 */
function passesNow(viewer: Viewer, requirement: string, root?: unknown): true | undefined {
  if (viewer.kind === 'app') {
    if (requirement === Access.DATA_DROP && viewer.hasScope(AppScope.WRITE_EVIDENCE)) return true;
    return requirement !== Access.ADMIN && requirement !== Access.CONTACT && viewer.hasScope(requirement) ? true : undefined;
  }
  const scope = viewer.scopeNow();
  if (!scope) return undefined;
  if (requirement === Access.CONTACT) {
    const personId = (root as { id?: number } | undefined)?.id;
    return scope.admin || personId === viewer.personId || (personId !== undefined && scope.colleagues.has(personId)) ? true : undefined;
  }
  if (!scope.known) return undefined;
  if (scope.admin) return true;
  if (requirement === Access.ADMIN || requirement === Access.DATA_DROP || requirement.startsWith('write:')) return undefined;
  return true;
}

/**
 * Every `@Authorized` field and resolver class comes through here (auth/guard.ts). A large read
 * passes thousands of guards; those that pass at once return at once, without promises.
 */
export const authChecker = ({ context, root }: { context: Context; root: unknown }, requirements: readonly string[]): true | Promise<true> => {
  if (requirements.every((requirement) => passesNow(context.viewer, requirement, root) === true)) return true;
  return (async (): Promise<true> => {
    for (const requirement of requirements) await checkAccess(context.viewer, requirement, root);
    return true;
  })();
};
