// Owns building recovery's node-side parts from the settings, before the hub exists: the history (the
// in-process driver unless another is given), the recorder that feeds it and the parking lot the hub
// asks on every close. A shared history driver plugs in here, as the `history` argument.
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { History } from './history';
import { MemoryHistory } from './memory-history';
import { ParkingLot } from './parking';
import { HistoryRecorder } from './recorder';

/** What the hub, the fan-out and SessionRecovery are built with. */
export interface RecoveryStore {
  readonly history: History;
  /** Absent when recovery is off (`EH_RECOVERY_WINDOW_MS` 0): nothing is recorded. */
  readonly recorder?: HistoryRecorder;
  readonly parking: ParkingLot;
}

/**
 * The recovery parts of one node.
 * @example const store = recoveryStore(config, logger); new Hub({ …, parking: store.parking }); new EventFanout({ …, recorder: store.recorder });
 */
export function recoveryStore(
  config: Pick<Config, 'recoveryWindowMs' | 'recoveryMaxEvents'>,
  logger: Logger,
  history: History = new MemoryHistory({ windowMs: config.recoveryWindowMs, maxEvents: config.recoveryMaxEvents }),
): RecoveryStore {
  const recorder = new HistoryRecorder(history);
  const parking = new ParkingLot({ windowMs: config.recoveryWindowMs, history, recorder, logger });
  return config.recoveryWindowMs > 0 ? { history, recorder, parking } : { history, parking };
}
