// Owns the history driver of a node in a cluster: this node's own events stay in the in-process history
// (what a reconnection to this node replays, positions given at once), and it tells recovery that a
// client may resume on any node, which the shared Redis history (history-writer, shared-recovery) makes
// true. Knows no Redis itself.
import type { History, HistoryPosition, HistoryRead, NewHistoryEvent } from '../recovery/history';

/**
 * A `History` whose reads are local and whose `shared` is true.
 * @example recoveryStore(config, logger, new SharedHistory(new MemoryHistory({ windowMs, maxEvents })));
 */
export class SharedHistory implements History {
  readonly shared = true;

  constructor(private readonly local: History) {}

  append(event: NewHistoryEvent): HistoryPosition {
    return this.local.append(event);
  }

  head(): HistoryPosition {
    return this.local.head();
  }

  readAfter(position: HistoryPosition, rooms: ReadonlySet<string>): Promise<HistoryRead> {
    return this.local.readAfter(position, rooms);
  }

  get size(): number {
    return this.local.size;
  }

  get evicted(): number {
    return this.local.evicted;
  }

  close(): Promise<void> {
    return this.local.close();
  }
}
