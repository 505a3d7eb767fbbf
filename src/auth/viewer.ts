import { currentMembership, sittingGovernor } from '../core/current';
import { groupReach, schoolReach } from '../core/reach';
import type { EntityManager } from '@mikro-orm/postgresql';

/** What a partner app's API key may do. Public facts need no scope; everything else names one. */
export enum AppScope {
  READ_SCHOOLS = 'read:schools',
  READ_GOVERNANCE = 'read:governance',
  READ_PEOPLE = 'read:people',
  READ_EVIDENCE = 'read:evidence',
  READ_ALERTS = 'read:alerts',
  SUBSCRIBE_ALERTS = 'subscribe:alerts',
  WRITE_GROUPS = 'write:groups',
  WRITE_GOVERNANCE = 'write:governance',
  WRITE_PEOPLE = 'write:people',
  WRITE_SUPPORT = 'write:support',
  WRITE_EVIDENCE = 'write:evidence',
  WRITE_ALERTS = 'write:alerts',
}

export const ALL_SCOPES = Object.values(AppScope) as string[];

export enum Role {
  ADMIN = 'admin',
  LA_OFFICER = 'la_officer',
}


/**
 * What a person may reach, derived from the graph by the one definition of reach (core/reach.ts):
 *  - schoolIds: schools whose people, governance, self-evaluations, support and alerts they see and
 *    may change: governed by a body they sit on, in a federation or trust they lead as executive head
 *    or CEO (or the school they lead or head), in their local authority (officers);
 *  - alertSchoolIds: schoolIds and the partner schools whose alerts they receive as a peer review lead;
 *  - board/leader/headSchoolIds, board/leaderGroupIds: where they hold authority to appoint
 *    (auth/reach-rules.ts): a governing body or board seat, an executive post, a head's post;
 *  - groupIds: groups they lead, govern (federation body, trust board) or, as an officer, that have a
 *    member school in their authority or no members yet;
 *  - bodyIds: bodies they may read (those governing their schools and groups, and their own seats);
 *    manageBodyIds: bodies they may change (of their schools and groups, and their own seats);
 *  - seats: bodies they sit on now; colleagues: people sitting on those bodies now (contact details).
 * For an administrator the sets are left empty (the graph walk is skipped): every rule checks `admin` first.
 */
export interface Scope {
  known: boolean;
  admin: boolean;
  roles: string[];
  laCodes: number[];
  schoolIds: Set<number>;
  alertSchoolIds: Set<number>;
  boardSchoolIds: Set<number>;
  leaderSchoolIds: Set<number>;
  headSchoolIds: Set<number>;
  groupIds: Set<number>;
  boardGroupIds: Set<number>;
  leaderGroupIds: Set<number>;
  bodyIds: Set<number>;
  manageBodyIds: Set<number>;
  seats: Set<number>;
  colleagues: Set<number>;
}

export interface ApiKeyIdentity {
  id: number;
  name: string;
  scopes: string[];
}

/** A SQL array literal for `?::int[]`: knex would expand a JS array into a list of parameters. */
export const intArray = (ids: Iterable<number>): string => `{${[...ids].join(',')}}`;

const CURRENT_SEAT = sittingGovernor('g');
const CURRENT_MEMBER = currentMembership('m');

/** One statement computes a person's whole scope. */
const SCOPE_SQL = `with
  grants as (select role, la_code from role_grant where person_id = ? and revoked_at is null),
  seats as (select distinct g.governing_body_id as id from governorship g where g.person_id = ? and ${CURRENT_SEAT}),
  reach as (select r.school_id, r.authority from ${schoolReach()} r where r.person_id = ?),
  my_groups as (select r.group_id as id, r.authority from ${groupReach()} r where r.person_id = ?),
  schools as (select distinct school_id as id from reach where authority <> 'alerts'),
  groups as (
    select id from my_groups
    union select m.group_id from membership m join school s on s.id = m.school_id join grants r on r.role = 'la_officer' and r.la_code = s.la_code
      where ${CURRENT_MEMBER}
    union select g.id from school_group g where exists (select 1 from grants where role = 'la_officer')
      and not exists (select 1 from membership m where m.group_id = g.id and ${CURRENT_MEMBER})),
  manage_bodies as (
    select b.id from governing_body b where b.school_id in (select id from schools) or b.group_id in (select id from groups)
    union select id from seats),
  bodies as (
    select id from manage_bodies
    union select b.id from governing_body b join membership m on m.group_id = b.group_id and ${CURRENT_MEMBER}
      join schools s on s.id = m.school_id where b.kind in ('federation', 'trust_board'))
select exists (select 1 from person where id = ?) as known,
  array(select distinct role from grants) as roles,
  array(select la_code from grants where la_code is not null) as la_codes,
  array(select id from schools where id is not null) as school_ids,
  array(select distinct school_id from reach) as alert_school_ids,
  array(select distinct school_id from reach where authority = 'board') as board_school_ids,
  array(select distinct school_id from reach where authority = 'leader') as leader_school_ids,
  array(select distinct school_id from reach where authority = 'head') as head_school_ids,
  array(select id from groups where id is not null) as group_ids,
  array(select distinct id from my_groups where authority = 'board') as board_group_ids,
  array(select distinct id from my_groups where authority = 'leader') as leader_group_ids,
  array(select id from bodies) as body_ids,
  array(select id from manage_bodies) as manage_body_ids,
  array(select id from seats) as seats,
  array(select distinct g.person_id from governorship g join seats s on s.id = g.governing_body_id where ${CURRENT_SEAT}) as colleagues`;

/** Whether a person is a (known) administrator, with their grants: read before the whole scope, which admins do not need. */
const ADMIN_SQL = `select exists (select 1 from person where id = ?) and exists (
    select 1 from role_grant where person_id = p.id and revoked_at is null and role = '${Role.ADMIN}') as admin,
  array(select distinct role from role_grant where person_id = p.id and revoked_at is null) as roles,
  array(select la_code from role_grant where person_id = p.id and revoked_at is null and la_code is not null) as la_codes
  from (select ?::int as id) p`;

const EMPTY_SCOPE: Scope = {
  known: false,
  admin: false,
  roles: [],
  laCodes: [],
  schoolIds: new Set(),
  alertSchoolIds: new Set(),
  boardSchoolIds: new Set(),
  leaderSchoolIds: new Set(),
  headSchoolIds: new Set(),
  groupIds: new Set(),
  boardGroupIds: new Set(),
  leaderGroupIds: new Set(),
  bodyIds: new Set(),
  manageBodyIds: new Set(),
  seats: new Set(),
  colleagues: new Set(),
};

/**
 * People a person may read because a workflow they take part in names them, beyond those of their
 * schools, groups and bodies: a review's reviewers and the owners of its actions for whoever sees the
 * review (a reviewer from a partner school sees the reviewed school's teacher who owns an action), an
 * intervention case's lead for whoever sees the case. Names only: posts, seats and contact details keep
 * their own rules. Domain folders register one SQL source each (`select person_id ...`), read with the scope.
 */
export type PeopleSource = (scope: Scope, personId: number) => { sql: string; params: unknown[] };
const peopleSources: PeopleSource[] = [];
export function registerVisiblePeople(source: PeopleSource): void {
  peopleSources.push(source);
}

/**
 * Live subscriptions check every event against the subscriber's scope as it is now. Scopes are cached
 * per person for the whole process (10,000 subscribers signed in as one person cost one query, not
 * 10,000) and dropped when access may have changed: after a mutation commits here, when another
 * instance announces one (NOTIFY 'access' on the alert channel, see alerts/alert-feed.ts), or after
 * SCOPE_MAX_AGE_MS, which covers terms and posts that simply run out with the calendar.
 */
let accessEpoch = 0;
export const bumpAccessEpoch = (): void => {
  accessEpoch += 1;
  liveScopes.clear();
  knownPeople.clear();
};
export const SCOPE_MAX_AGE_MS = 30_000;

/**
 * People a bearer token was last seen to name, with the access epoch and time of that check: a token's
 * subject is looked up once per person until access may have changed (the same epoch and age as
 * scopes), not once per request, so a warmed request spends its statements on data only. Bounded:
 * past KNOWN_PEOPLE_MAX entries the cache starts again.
 */
const knownPeople = new Map<number, { epoch: number; at: number }>();
const KNOWN_PEOPLE_MAX = 10_000;

export function knownRecently(personId: number): boolean {
  const seen = knownPeople.get(personId);
  return !!seen && seen.epoch === accessEpoch && Date.now() - seen.at <= SCOPE_MAX_AGE_MS;
}

export function rememberKnown(personId: number): void {
  if (knownPeople.size >= KNOWN_PEOPLE_MAX) knownPeople.clear();
  knownPeople.set(personId, { epoch: accessEpoch, at: Date.now() });
}
/** The alert feed's channel already reaches every instance; 'access' on it means "re-read scopes". */
export const ACCESS_CHANNEL = 'trellis_alert_events';
export const ACCESS_CHANGED = 'access';

interface LiveScope {
  epoch: number;
  at: number;
  scope: Promise<Scope>;
  /** The scope once read, for checks that need not wait (Viewer.scopeNow). */
  value?: Scope;
  /** The people this scope lets them read (Viewer.people), read on first use and dropped with the scope. */
  people?: Promise<Set<number>>;
  /** The same set once read (Viewer.peopleNow). */
  peopleValue?: Set<number>;
}
const liveScopes = new Map<number, LiveScope>();

/**
 * The caller of one request or one WebSocket connection: anonymous, a person (from a signed token)
 * or a partner app (an API key). Its scope is computed lazily, once, by one SQL statement; a
 * subscription checks each event against `currentScope()`, shared per person and dropped when access
 * changes, so a governor whose term ends stops receiving at the next event.
 */
export class Viewer {
  private scopePromise?: Promise<Scope>;
  private peoplePromise?: Promise<Set<number>>;

  private constructor(
    readonly kind: 'anonymous' | 'person' | 'app',
    private readonly em: EntityManager | undefined,
    readonly personId?: number,
    readonly app?: ApiKeyIdentity,
  ) {}

  static anonymous(): Viewer {
    return new Viewer('anonymous', undefined);
  }

  static person(em: EntityManager, personId: number): Viewer {
    return new Viewer('person', em, personId);
  }

  static app(key: ApiKeyIdentity): Viewer {
    return new Viewer('app', undefined, undefined, key);
  }

  /** The same caller with nothing cached: scope is read again on next use. */
  refreshed(em?: EntityManager): Viewer {
    return new Viewer(this.kind, em ?? this.em, this.personId, this.app);
  }

  /** How the audit log and alert status changes name the caller. */
  get label(): string {
    if (this.kind === 'person') return `person:${this.personId}`;
    if (this.kind === 'app') return `app:${this.app!.id}:${this.app!.name}`;
    return 'anonymous';
  }

  hasScope(scope: string): boolean {
    return this.kind === 'app' && this.app!.scopes.includes(scope);
  }

  /**
   * The person's scope, from the per-person cache shared with subscriptions (`currentScope`): read once
   * per credential until access may have changed, not once per request. Within one request it stays
   * the scope first read, unless a mutation of the request itself changed access.
   */
  async scope(): Promise<Scope> {
    if (this.kind !== 'person') return EMPTY_SCOPE;
    return this.currentScope();
  }

  /** The scope as it is now, for long-lived callers (subscriptions); shared by every viewer of the same person. */
  async currentScope(em?: EntityManager): Promise<Scope> {
    if (this.kind !== 'person') return EMPTY_SCOPE;
    const id = this.personId!;
    let live = liveScopes.get(id);
    if (!live || live.epoch !== accessEpoch || Date.now() - live.at > SCOPE_MAX_AGE_MS) {
      const fresh: LiveScope = (live = { epoch: accessEpoch, at: Date.now(), scope: this.loadScope(em) });
      fresh.scope.then((scope) => (fresh.value = scope)).catch(() => undefined);
      liveScopes.set(id, live);
      // A failed read must not stick: the next event tries again.
      live.scope.catch(() => liveScopes.delete(id));
    }
    if (this.scopePromise !== live.scope) {
      this.scopePromise = live.scope;
      this.peoplePromise = undefined;
    }
    return live.scope;
  }

  /**
   * The scope `scope()` would give, when it is already read and needs no waiting; undefined otherwise
   * (not a person, not read yet, or due to be read again). Lets a guard decide without a promise
   * (auth-checker.ts); whatever it cannot decide at once goes the asynchronous way.
   */
  scopeNow(): Scope | undefined {
    if (this.kind !== 'person') return undefined;
    const live = liveScopes.get(this.personId!);
    if (!live?.value || live.epoch !== accessEpoch || Date.now() - live.at > SCOPE_MAX_AGE_MS) return undefined;
    if (this.scopePromise !== live.scope) {
      this.scopePromise = live.scope;
      this.peoplePromise = undefined;
    }
    return live.value;
  }

  async isAdmin(): Promise<boolean> {
    return (await this.scope()).admin;
  }

  /** People whose records this person may read: staff and governors within their scope, and themselves. */
  async people(): Promise<Set<number>> {
    if (this.kind !== 'person') return new Set();
    const scope = await this.scope();
    // Shared with every request of the same person while their scope is cached.
    const live = liveScopes.get(this.personId!);
    if (live && live.scope === this.scopePromise) {
      if (!live.people) {
        live.people = this.loadPeople(scope);
        live.people.then(
          (people) => (live.peopleValue = people),
          () => (live.people = undefined),
        );
      }
      return live.people;
    }
    return (this.peoplePromise ??= this.loadPeople(scope));
  }

  /** `people()` once read for the scope read now (scopeNow), for row checks that need not wait; else undefined. */
  peopleNow(): Set<number> | undefined {
    if (!this.scopeNow()) return undefined;
    const live = liveScopes.get(this.personId!);
    return live && live.scope === this.scopePromise ? live.peopleValue : undefined;
  }

  private loadPeople(scope: Scope): Promise<Set<number>> {
    return (async () => {
      const extra = peopleSources.map((source) => source(scope, this.personId!));
      const rows: { person_id: number }[] = await this.em!.getConnection().execute(
        `select person_id from post where school_id = any(?::int[]) or group_id = any(?::int[])
         union select person_id from governorship where governing_body_id = any(?::int[])
         ${extra.map((source) => `union ${source.sql}`).join('\n')}`,
        [intArray(scope.schoolIds), intArray(scope.groupIds), intArray(scope.bodyIds), ...extra.flatMap((source) => source.params)],
      );
      return new Set([this.personId!, ...rows.map((row) => row.person_id)]);
    })();
  }

  private async loadScope(em = this.em): Promise<Scope> {
    const id = this.personId!;
    // An administrator reaches everything (every rule checks `admin` first): skip the graph walk.
    const [admin] = await em!.getConnection().execute(ADMIN_SQL, [id, id]);
    if (admin.admin) return { ...EMPTY_SCOPE, known: true, admin: true, roles: admin.roles, laCodes: (admin.la_codes ?? []).map(Number) };
    const [row] = await em!.getConnection().execute(SCOPE_SQL, [id, id, id, id, id]);
    const roles: string[] = row.roles ?? [];
    const ids = (values: number[] | null) => new Set((values ?? []).map(Number));
    return {
      known: row.known,
      admin: row.known && roles.includes(Role.ADMIN),
      roles,
      laCodes: (row.la_codes ?? []).map(Number),
      schoolIds: ids(row.school_ids),
      alertSchoolIds: ids(row.alert_school_ids),
      boardSchoolIds: ids(row.board_school_ids),
      leaderSchoolIds: ids(row.leader_school_ids),
      headSchoolIds: ids(row.head_school_ids),
      groupIds: ids(row.group_ids),
      boardGroupIds: ids(row.board_group_ids),
      leaderGroupIds: ids(row.leader_group_ids),
      bodyIds: ids(row.body_ids),
      manageBodyIds: ids(row.manage_body_ids),
      seats: ids(row.seats),
      colleagues: ids(row.colleagues),
    };
  }
}
