// Owns this node's writes to the shared history: every room hit of every event the node routes goes to
// Redis (in arrival order, on the one commands connection), and each room counts the hits it sent, so a
// resume can tell whether an event slipped in while it was reading. Server-side broadcasts are kept too
// (they go through the same fan-out). No sessions, no sockets.
import type { Logger } from 'pino';
import type { FanoutBatch, FanoutObserver } from '../hub/fanout';
import type { Room } from '../hub/subscription-index';
import { mayEmitAsNamedEvent } from '../protocol/socket-event-names';
import { comparePositions, hitId, RedisHistory } from './redis-history';

/**
 * The Socket.IO offset-independent identity of one room hit: the room and the event's identity (its
 * routing key and body), the same on every node that routes it.
 * @example hitOf(batch, hit.room.name)
 */
export function hitOf(batch: FanoutBatch, room: string): string {
  return hitId(room, batch.eventId);
}

/**
 * A fan-out observer that appends to the shared history (after the transports wrote the event).
 * @example const writer = new HistoryWriter(history, () => link.up, logger); fanout.observe(writer);
 */
export class HistoryWriter implements FanoutObserver {
  private readonly counts = new WeakMap<Room, number>();
  /** Appends Redis refused (it was away or failed); the events stay live, only their history is gone. */
  failures = 0;
  private warned = false;
  /** Hits routed and not appended since Redis was last seen up. */
  private missing = 0;

  constructor(private readonly history: RedisHistory, private readonly up: () => boolean, private readonly logger: Logger) {}

  observe(batch: FanoutBatch): void {
    if (!this.up()) {
      this.missing += batch.hits.length;
      return;
    }
    const event = batch.eventId;
    const name = batch.routed.socketEventName;
    const named = mayEmitAsNamedEvent(name);
    const appends: Array<Promise<[string, string]>> = [];
    for (const hit of batch.hits) {
      const room = hit.room;
      this.counts.set(room, (this.counts.get(room) ?? 0) + 1);
      const done = this.history.append({ accountId: room.accountId, room: room.name, envelope: hit.envelopeJson, name: named ? name : '', payload: named ? batch.socketPayloadJson : '', event });
      done.catch((err: Error) => this.failed(err));
      appends.push(done.then((id) => [room.accountId, id]));
    }
    // The batch's own history position (a Socket.IO offset) names these entries on every node.
    const local = batch.position;
    if (local === undefined) return;
    Promise.all(appends)
      .then((ids) => {
        const byAccount = new Map<string, { first: string; last: string }>();
        for (const [a, id] of ids) {
          const seen = byAccount.get(a);
          if (!seen) byAccount.set(a, { first: id, last: id });
          else {
            if (comparePositions(id, seen.first) < 0) seen.first = id;
            if (comparePositions(id, seen.last) > 0) seen.last = id;
          }
        }
        return this.history.mapLocal(local, byAccount);
      })
      .catch((err: Error) => this.failed(err));
  }

  /** Hits appended so far for these rooms (a resume reads again when the sum moved while it read). */
  appended(rooms: Iterable<Room>): number {
    let n = 0;
    for (const room of rooms) n += this.counts.get(room) ?? 0;
    return n;
  }

  /** Redis is back: if events went unrecorded meanwhile, every node learns the history has a gap. */
  redisBack(): void {
    if (this.missing === 0) return;
    this.missing = 0;
    this.history.markGap().catch((err: Error) => this.failed(err));
  }

  private failed(err: Error): void {
    this.failures++;
    this.missing++;
    if (this.warned) return;
    this.warned = true;
    this.logger.warn({ err: err.message }, 'shared history: an append failed; events keep flowing live, a resume elsewhere may miss them');
  }
}
