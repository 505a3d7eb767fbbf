/**
 * The baseline for bench/alerts.ts: a bare graphql-ws server (graphql-js schema, ws 8) with the same
 * subscription shape as Trellis, pushing whatever is POSTed to /publish to every subscriber. No
 * database, no ORM, no type-graphql: what graphql-ws itself costs to fan a payload out.
 */
import http from 'node:http';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

const schema = buildSchema(`
  type School { urn: Int! name: String! }
  type Alert { id: ID! severity: String! status: String! evidence: String school: School! }
  type AlertEvent { cursor: String! kind: String! alert: Alert! }
  type Query { ok: Boolean }
  type Subscription { alertRaised: AlertEvent! }
`);

/** One push queue per subscriber, fed by a shared in-memory fan-out (as Trellis's feed is). */
const subscribers = new Set<{ push: (value: unknown) => void }>();
function subscribe(): AsyncIterableIterator<unknown> {
  const queue: unknown[] = [];
  let waiting: ((r: IteratorResult<unknown>) => void) | undefined;
  const sub = {
    push(value: unknown) {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w({ value, done: false });
      } else queue.push(value);
    },
  };
  subscribers.add(sub);
  const iterator: AsyncIterableIterator<unknown> = {
    next: () => (queue.length ? Promise.resolve({ value: queue.shift(), done: false }) : new Promise((r) => (waiting = r))),
    return: () => {
      subscribers.delete(sub);
      waiting?.({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/publish') {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.parse(body);
      for (const sub of subscribers) sub.push({ alertRaised: payload });
      res.end('ok');
    });
    return;
  }
  res.statusCode = 404;
  res.end();
});
const wss = new WebSocketServer({ server, path: '/graphql' });
useServer({ schema, roots: { subscription: { alertRaised: subscribe } } }, wss);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
