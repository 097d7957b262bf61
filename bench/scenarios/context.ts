// Owns what every scenario is handed: the sizes of this mode, the long-lived servers, the systems
// taking part, and the result rows they append. Knows nothing about any one scenario.
import type { RunningServer, SystemInfo, SystemName } from '../lib/systems';

export interface Sizes {
  mode: 'quick' | 'full';
  fanoutClients: number[];
  routingClients: number;
  latencyClients: number;
  latencyPerSecond: number;
  memoryConnections: number[];
  warmupMs: number;
  measureMs: number;
  latencyMeasureMs: number;
  churnMs: number;
  churnConcurrency: number;
  /** RabbitMQ here runs with 1,024 descriptors, so Web-STOMP gets at most this many clients. */
  stompMaxClients: number;
}

export const QUICK: Sizes = {
  mode: 'quick',
  fanoutClients: [500],
  routingClients: 2000,
  latencyClients: 1000,
  latencyPerSecond: 10_000,
  memoryConnections: [2000],
  warmupMs: 750,
  measureMs: 2500,
  latencyMeasureMs: 3000,
  churnMs: 2000,
  churnConcurrency: 16,
  stompMaxClients: 500,
};

export const FULL: Sizes = {
  mode: 'full',
  fanoutClients: [500, 1000, 5000],
  routingClients: 10_000,
  latencyClients: 1000,
  latencyPerSecond: 10_000,
  memoryConnections: [10_000, 19_000],
  warmupMs: 2000,
  measureMs: 10_000,
  latencyMeasureMs: 60_000,
  churnMs: 10_000,
  churnConcurrency: 16,
  stompMaxClients: 500,
};

/** One measured row: a scenario, its variant (size), a system and its numbers. */
export interface ResultRow {
  scenario: 'fanout' | 'routing' | 'latency' | 'memory' | 'churn';
  variant: string;
  system: SystemName;
  label: string;
  /** The headline number's ratio to the ceiling in the same variant (higher is better, except memory). */
  ratioToCeiling?: number;
  [metric: string]: unknown;
}

export interface BenchContext {
  sizes: Sizes;
  systems: SystemInfo[];
  serverFor(system: SystemInfo): RunningServer;
  rows: ResultRow[];
  log(line: string): void;
  /** Forks fleets of at most this many clients each. */
  clientsPerFleet: number;
}

/** Fills `ratioToCeiling` of the rows of one variant from `metric`. */
export function ratiosAgainstCeiling(rows: ResultRow[], metric: string): void {
  const ceiling = rows.find((r) => r.system === 'ceiling')?.[metric];
  if (typeof ceiling !== 'number' || ceiling === 0) return;
  for (const row of rows) {
    const value = row[metric];
    if (typeof value === 'number') row.ratioToCeiling = Math.round((value / ceiling) * 100) / 100;
  }
}
