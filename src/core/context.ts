import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { AlertFeed } from '../alerts/alert-feed';
import type { Session } from '../auth/sessions';
import { Viewer } from '../auth/viewer';

/**
 * Request-scoped DataLoaders, created on first use. Each domain folder names its own loaders
 * (see e.g. schools/school.loaders.ts), so adding one never means editing a central list.
 */
export class LoaderRegistry {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  /** What resolvers worked out per position in the document (`atPosition`). */
  private readonly positions = new WeakMap<object, unknown>();

  /**
   * What a resolver works out from its arguments and selection alone (its loader and page), once per
   * position in the document for this request. Every call at one position has the same arguments and
   * the same selection (GraphQL fixes both for a request), and a large read calls one position
   * dozens to hundreds of times (each school's bodies, each governor's person): building loader keys,
   * reading the page arguments and the selection for each call was a few percent of a light request. One value per
   * position: a resolver calls this once, with `info.fieldNodes`; a prefetcher priming the same field
   * under many parents, with its planned field; the primer of a plan's nested fields, with the plan
   * (core/prefetch.ts).
   */
  atPosition<T>(position: object, create: () => T): T {
    if (this.positions.has(position)) return this.positions.get(position) as T;
    const value = create();
    this.positions.set(position, value);
    return value;
  }

  /** Loaders asked for on every row (`byId`), kept by owner and variant: no key string built per call. */
  private readonly keyed = new Map<object, Map<string, DataLoader<unknown, unknown>>>();

  get<L extends DataLoader<any, any>>(key: string, create: () => L): L {
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = create() as DataLoader<unknown, unknown>;
      this.loaders.set(key, loader);
    }
    return loader as L;
  }

  /**
   * The same, keyed by an object (an entity class) and a variant. A large read asks for a loader per
   * row; a key string built per call (`School.byId:id,urn,name`) was hashed anew each time.
   */
  getKeyed<L extends DataLoader<any, any>>(owner: object, variant: string, create: () => L): L {
    let byVariant = this.keyed.get(owner);
    if (!byVariant) this.keyed.set(owner, (byVariant = new Map()));
    let loader = byVariant.get(variant);
    if (!loader) {
      loader = create() as DataLoader<unknown, unknown>;
      byVariant.set(variant, loader);
    }
    return loader as L;
  }
}

/** Everything a resolver gets: its own EntityManager (identity map per request) and loaders. */
export interface Context {
  em: EntityManager;
  loaders: LoaderRegistry;
  /** Who is calling (src/auth/viewer.ts): what they may see and change; `viewer.label` names them on changes. */
  viewer: Viewer;
  /** This instance's alert feed, which subscriptions read from (set by the server). */
  alertFeed?: AlertFeed;
  /** On a WebSocket: the session, which ends when its credential stops holding (auth/sessions.ts). */
  session?: Session;
}

export function createContext(em: EntityManager, extra: Partial<Pick<Context, 'viewer' | 'alertFeed' | 'session'>> = {}): Context {
  const fork = em.fork({ clear: true });
  // A viewer authenticated before the fork existed reads its scope through this request's EntityManager.
  const viewer = extra.viewer ? extra.viewer.refreshed(fork) : Viewer.anonymous();
  return { em: fork, loaders: new LoaderRegistry(), viewer, alertFeed: extra.alertFeed, session: extra.session };
}
