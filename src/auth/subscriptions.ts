import type { Context } from '../core/context';
import { signInRequired, forbidden } from './auth-checker';
import { maySee } from './policy';
import { AppScope } from './viewer';

/**
 * Wraps a subscription's event stream so that every event is checked against the viewer's scope as
 * it is when the event is delivered (not only when subscribing): a governor whose term ends, or an
 * executive head who leaves, stops receiving at the next event.
 */
export async function* authorizedEvents<T>(
  ctx: Context,
  typeName: string,
  rowOf: (event: T) => unknown,
  source: AsyncIterable<T>,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      // A session whose key was revoked, token expired or person deleted receives nothing more (auth/sessions.ts).
      if (ctx.session && !ctx.session.live) return;
      await ctx.viewer.currentScope(ctx.em);
      const visible = await maySee(ctx.viewer, typeName, rowOf(next.value));
      if (ctx.session && !ctx.session.live) return;
      if (visible) yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** Who may subscribe at all: a signed-in person, or an app with the subscribe:alerts scope. */
export async function requireSubscriber(ctx: Context): Promise<void> {
  const viewer = ctx.viewer;
  if (viewer.kind === 'anonymous')
    throw signInRequired('Sign in to subscribe to alerts (connection_init payload { authorization: "Bearer ..." }).');
  if (viewer.kind === 'app' && !viewer.hasScope(AppScope.SUBSCRIBE_ALERTS))
    throw forbidden('This API key lacks the subscribe:alerts scope.');
  // Accepting the subscription and then filtering every event out would leave the app waiting in silence.
  if (viewer.kind === 'app' && !viewer.hasScope(AppScope.READ_ALERTS))
    throw forbidden('This API key has subscribe:alerts but not read:alerts, so no alert could be delivered to it: use a key with both.');
  if (viewer.kind === 'person' && !(await viewer.currentScope(ctx.em)).known) throw signInRequired('The token names no known person.');
}
