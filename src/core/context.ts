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

  get<K, V>(key: string, create: () => DataLoader<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = create() as DataLoader<unknown, unknown>;
      this.loaders.set(key, loader);
    }
    return loader as DataLoader<K, V>;
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
