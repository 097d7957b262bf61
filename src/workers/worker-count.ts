// Owns how many worker processes `EH_WORKERS` means on this machine. Knows the config, not processes.
import os from 'node:os';

/**
 * `0` (the default): one per core, but one process with built-in TLS (the primary could not read the
 * session ids that pin polling clients); any other value as given.
 * @example workerCount({ workers: 0, tlsCert: undefined }) // os.availableParallelism()
 */
export function workerCount(config: { workers: number; tlsCert?: string | undefined }, cores = os.availableParallelism()): number {
  if (config.workers > 0) return config.workers;
  return config.tlsCert === undefined ? Math.max(1, cores) : 1;
}
