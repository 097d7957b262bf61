// Owns this node's writes to the shared history: every room hit of every event the node routes goes to
// Redis (in arrival order, on the one commands connection), and each room counts the hits it sent, so a
// resume can tell whether an event slipped in while it was reading. No sessions, no sockets.
import type { Logger } from 'pino';
import type { FanoutBatch, FanoutTarget } from '../hub/fanout';
import type { Room } from '../hub/subscription-index';
import { mayEmitAsNamedEvent } from '../protocol/socket-event-names';
import { eventId, hitId, RedisHistory } from './redis-history';

const eventIds = new WeakMap<FanoutBatch, string>();

/**
 * The identity of a routed event (its routing key and body), computed once per batch whoever asks first.
 * @example const ev = eventIdOf(batch); hitId(room.name, ev)
 */
export function eventIdOf(batch: FanoutBatch): string {
  let id = eventIds.get(batch);
  if (id === undefined) {
    id = eventId(batch.routed.routingKey, batch.socketPayloadJson);
    eventIds.set(batch, id);
  }
  return id;
}

/**
 * The Socket.IO offset of one room's `message` packet: the room hit's identity, which any node can
 * turn into a history position while the hit's dedupe key lives.
 * @example const offset = hitOffset(batch, hit.room.name);
 */
export function hitOffset(batch: FanoutBatch, room: string): string {
  return hitId(room, eventIdOf(batch));
}

/**
 * A fan-out target that appends to the shared history.
 * @example const writer = new HistoryWriter(history, () => link.up, logger); hub.addTarget(writer);
 */
export class HistoryWriter implements FanoutTarget {
  readonly name = 'shared-history';
  private readonly counts = new WeakMap<Room, number>();
  /** Appends Redis refused (it was away or failed); the events stay live, only their history is gone. */
  failures = 0;
  private warned = false;

  constructor(private readonly history: RedisHistory, private readonly up: () => boolean, private readonly logger: Logger) {}

  deliver(batch: FanoutBatch): void {
    if (!this.up()) return;
    const event = eventIdOf(batch);
    const name = batch.routed.socketEventName;
    const named = mayEmitAsNamedEvent(name);
    for (const hit of batch.hits) {
      const room = hit.room;
      this.counts.set(room, (this.counts.get(room) ?? 0) + 1);
      this.history
        .append({ accountId: room.accountId, room: room.name, envelope: hit.envelopeJson, name: named ? name : '', payload: named ? batch.socketPayloadJson : '', event })
        .catch((err: Error) => this.failed(err));
    }
  }

  /** Hits appended so far for these rooms (a resume reads again when the sum moved while it read). */
  appended(rooms: Iterable<Room>): number {
    let n = 0;
    for (const room of rooms) n += this.counts.get(room) ?? 0;
    return n;
  }

  private failed(err: Error): void {
    this.failures++;
    if (this.warned) return;
    this.warned = true;
    this.logger.warn({ err: err.message }, 'shared history: an append failed; events keep flowing live, a resume elsewhere may miss them');
  }
}
