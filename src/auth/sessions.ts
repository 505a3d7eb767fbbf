import type { EntityManager } from '@mikro-orm/postgresql';
import { logger } from '../logger';
import { bumpAccessEpoch, intArray, Viewer } from './viewer';

/**
 * A WebSocket session lasts as long as the credential it was opened with, not as long as the socket.
 * The socket is closed with 4403 when
 *  - its API key is revoked (or its scopes change), or its person is deleted: seen by one statement for all open sessions
 *    (`verify`), run when any instance announces an access change (the `access` NOTIFY that mutations
 *    and the database's triggers send at commit, see migrations/...AccessNotify), before every batch of
 *    alert events is handed to subscribers, and every few seconds in case a change came with no NOTIFY;
 *  - its token expires: a timer at the token's `exp`, and each event is checked against the clock.
 * A role revoked or a seat ended leaves the socket open but changes what it receives: `verify` also
 * notices a connected person's role grants changing and drops the cached scopes, so the next event is
 * checked against the new ones (auth/subscriptions.ts).
 *
 * "No event after it": events are read from the alert log before `verify` reads the credentials, so
 * an event committed after a revocation is always checked against that revocation, and a session is
 * marked ended (and stops yielding) before its socket is closed.
 */

/** graphql-ws's close code for "Forbidden", as sent to a connection refused at connection_init. */
export const SESSION_ENDED_CLOSE_CODE = 4403;

/** How often open sessions are checked when nothing has announced a change. */
export const SESSION_CHECK_INTERVAL_MS = 5_000;

/** setTimeout's longest delay (about 24.8 days); a later expiry is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Session {
  private ended?: string;
  private expiryTimer?: NodeJS.Timeout;

  constructor(
    readonly viewer: Viewer,
    /** When the token runs out (ms since the epoch); undefined for API keys and anonymous callers. */
    readonly expiresAt: number | undefined,
    private readonly closeSocket: (code: number, reason: string) => void,
  ) {}

  /** Whether events may still be delivered: not ended, and the token (if any) not expired. */
  get live(): boolean {
    if (this.ended) return false;
    if (this.expiresAt !== undefined && Date.now() >= this.expiresAt) {
      this.end('the token has expired');
      return false;
    }
    return true;
  }

  /** Why the session ended, if it has. */
  get endedBecause(): string | undefined {
    return this.ended;
  }

  /** Marks the session ended (no event is yielded after this) and closes its socket with 4403. */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = reason;
    clearTimeout(this.expiryTimer);
    try {
      // A close reason is at most 123 bytes.
      this.closeSocket(SESSION_ENDED_CLOSE_CODE, `Forbidden: ${reason}`.slice(0, 120));
    } catch (err) {
      logger.warn({ err }, 'closing an ended session failed');
    }
  }

  /** Arms the timer that ends the session when its token expires. */
  armExpiry(): void {
    if (this.expiresAt === undefined || this.ended) return;
    const wait = this.expiresAt - Date.now();
    if (wait <= 0) return this.end('the token has expired');
    this.expiryTimer = setTimeout(() => (this.live ? this.armExpiry() : undefined), Math.min(wait, MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  disarm(): void {
    clearTimeout(this.expiryTimer);
  }
}

/** The open WebSocket sessions of one instance, and the one statement that re-checks them all. */
export class SessionRegistry {
  private readonly sessions = new Set<Session>();
  /** Each connected person's role grants as last seen, to notice a role granted or revoked. */
  private readonly grants = new Map<number, string>();
  private running?: Promise<void>;
  private again = false;
  private interval?: NodeJS.Timeout;

  constructor(
    private readonly em: EntityManager,
    private readonly options: { checkIntervalMs?: number } = {},
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  start(): void {
    this.interval = setInterval(() => void this.verify().catch(() => undefined), this.options.checkIntervalMs ?? SESSION_CHECK_INTERVAL_MS);
    this.interval.unref();
  }

  stop(): void {
    clearInterval(this.interval);
    for (const session of this.sessions) session.disarm();
  }

  open(viewer: Viewer, expiresAt: number | undefined, closeSocket: (code: number, reason: string) => void): Session {
    const session = new Session(viewer, expiresAt, closeSocket);
    this.sessions.add(session);
    session.armExpiry();
    return session;
  }

  close(session: Session | undefined): void {
    if (!session) return;
    session.disarm();
    this.sessions.delete(session);
  }

  /**
   * Re-checks every open session's credential against the database, ending those that no longer
   * hold. Calls that arrive while one runs are folded into one more run after it, and every caller
   * waits for a run that started after it called: so a caller that has just read events knows the
   * credentials were read after them.
   */
  verify(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.verifyOnce();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async verifyOnce(): Promise<void> {
    const open = [...this.sessions].filter((session) => session.live);
    if (open.length === 0) return;
    const keyIds = new Set<number>();
    const personIds = new Set<number>();
    for (const { viewer } of open) {
      if (viewer.kind === 'app') keyIds.add(viewer.app!.id);
      if (viewer.kind === 'person') personIds.add(viewer.personId!);
    }
    const [row] = await this.em.fork().getConnection().execute(
      `select coalesce((select json_object_agg(id, scopes) from api_key where id = any(?::int[]) and revoked_at is null), '{}'::json) as keys,
         array(select id from person where id = any(?::int[])) as people,
         coalesce((select json_object_agg(person_id, grants) from (
           select person_id, string_agg(role || ':' || coalesce(la_code::text, ''), ',' order by role, la_code) as grants
           from role_grant where person_id = any(?::int[]) and revoked_at is null group by person_id) g), '{}'::json) as grants`,
      [intArray(keyIds), intArray(personIds), intArray(personIds)],
    );
    const liveKeys = row.keys as Record<string, string[]>;
    const livePeople = new Set<number>((row.people ?? []).map(Number));
    const sameScopes = (a: string[], b: string[]) => [...a].sort().join(' ') === [...b].sort().join(' ');
    for (const session of open) {
      const { viewer } = session;
      const scopes = viewer.kind === 'app' ? liveKeys[String(viewer.app!.id)] : undefined;
      if (viewer.kind === 'app' && !scopes) session.end('the API key has been revoked');
      // The viewer holds the scopes it connected with: a key whose scopes changed must connect again.
      else if (viewer.kind === 'app' && !sameScopes(scopes!, viewer.app!.scopes)) session.end("the API key's scopes have changed");
      if (viewer.kind === 'person' && !livePeople.has(viewer.personId!)) session.end('the person no longer exists');
    }
    let rolesChanged = false;
    for (const personId of this.grants.keys()) if (!personIds.has(personId)) this.grants.delete(personId);
    for (const personId of personIds) {
      const grants = (row.grants as Record<string, string>)[String(personId)] ?? '';
      const seen = this.grants.get(personId);
      if (seen !== undefined && seen !== grants) rolesChanged = true;
      this.grants.set(personId, grants);
    }
    // A role granted or revoked: every cached scope is re-read before the next event is checked.
    if (rolesChanged) bumpAccessEpoch();
  }
}
