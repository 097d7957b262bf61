// Owns the per-room event rates the operator console shows: a fan-out observer that runs only
// while a console watches (removed when the last one leaves), counting the events each room received.
import type { FanoutBatch, FanoutObserver } from '../hub/fanout';
import type { Room } from '../hub/subscription-index';

/** One room as the console lists it. */
export interface RoomView {
  account_id: string;
  binding: string;
  /** Local connections in the room. */
  members: number;
  /** Events the room received per second over the last interval. */
  events_per_sec: number;
}

/**
 * Counts events per room between two reads.
 * @example const stop = fanout.observe(counter); … const rooms = counter.take(hub.index.allRooms(), 2); stop();
 */
export class RoomEventCounter implements FanoutObserver {
  private counts = new Map<Room, number>();
  private since = Date.now();

  observe(batch: FanoutBatch): void {
    for (const hit of batch.hits) this.counts.set(hit.room, (this.counts.get(hit.room) ?? 0) + 1);
  }

  /** The rooms (busiest and largest first, at most `limit`) with their rates since the last read; starts a new interval. */
  take(rooms: Iterable<Room>, limit = 500): RoomView[] {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.since) / 1000);
    const counts = this.counts;
    this.counts = new Map();
    this.since = now;
    const views: RoomView[] = [];
    for (const room of rooms) {
      const members = room.size;
      if (members === 0) continue;
      views.push({ account_id: room.accountId, binding: room.binding, members, events_per_sec: Math.round(((counts.get(room) ?? 0) / seconds) * 100) / 100 });
    }
    views.sort((a, b) => b.events_per_sec - a.events_per_sec || b.members - a.members || a.account_id.localeCompare(b.account_id));
    return views.slice(0, limit);
  }
}
