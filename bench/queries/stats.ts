/**
 * What a benchmarked server process reports to bench/queries/run.ts over IPC: its port once it
 * listens, then on request the number of SQL statements sent so far and its peak RSS.
 */

let statements = 0;

/**
 * Counts every statement a process sends through node-postgres (`Client.prototype.query`, which
 * pools call too), including BEGIN/COMMIT and settings: the same counter for both servers.
 */
export function countStatements(pg: { Client: { prototype: { query: (...args: unknown[]) => unknown } } }): void {
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    statements += 1;
    return original.apply(this, args);
  };
}

export interface ServerStats {
  statements: number;
  /** Peak resident set size of the process so far, in MB. */
  peakRssMb: number;
  /** CPU time the process has used so far (user and system), in ms. */
  cpuMs: number;
}

export function reportOverIpc(port: number): void {
  process.send?.({ port });
  process.on('message', (message: { stats?: boolean }) => {
    if (message.stats) {
      const cpu = process.cpuUsage();
      const stats: ServerStats = { statements, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), cpuMs: (cpu.user + cpu.system) / 1000 };
      process.send?.({ stats });
    }
  });
}
