import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { AlertFeed } from '../alerts/alert-feed';

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
  /** Who is acting, recorded on changes (rule edits, acknowledgements). 'anonymous' until authentication exists. */
  viewer: string;
  /** This instance's alert feed, which subscriptions read from (set by the server). */
  alertFeed?: AlertFeed;
}

export function createContext(em: EntityManager, extra: Partial<Pick<Context, 'viewer' | 'alertFeed'>> = {}): Context {
  return { em: em.fork({ clear: true }), loaders: new LoaderRegistry(), viewer: extra.viewer ?? 'anonymous', alertFeed: extra.alertFeed };
}
