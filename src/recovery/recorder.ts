// Owns choosing which events go into the history and stamping each batch with its position before any
// transport writes it: events of rooms a dropped `by-command` connection waits on, and of rooms with a
// member whose transport resumes `on-reconnect` (its packets carry the position). Knows no wire format.
import type { FanoutBatch } from '../hub/fanout';
import type { Room } from '../hub/subscription-index';
import type { History } from './history';

/**
 * The hub's first fan-out stage when recovery is on.
 * @example const recorder = new HistoryRecorder(history); new EventFanout({ …, recorder }); recorder.watch(rooms);
 */
export class HistoryRecorder {
  private readonly watched = new Map<string, number>();

  constructor(private readonly history: History) {}

  /** Starts (count +1) keeping events of these rooms. */
  watch(rooms: Iterable<string>): void {
    for (const r of rooms) this.watched.set(r, (this.watched.get(r) ?? 0) + 1);
  }

  /** Stops (count -1) keeping events of these rooms. */
  unwatch(rooms: Iterable<string>): void {
    for (const r of rooms) {
      const n = (this.watched.get(r) ?? 0) - 1;
      if (n > 0) this.watched.set(r, n);
      else this.watched.delete(r);
    }
  }

  /** Appends the batch's kept rooms to the history and gives the batch its position; nothing when none is kept. */
  record(batch: FanoutBatch): void {
    let rooms: string[] | undefined;
    let envelopes: string[] | undefined;
    for (const hit of batch.hits) {
      if (!this.keeps(hit.room)) continue;
      (rooms ??= []).push(hit.room.name);
      (envelopes ??= []).push(hit.envelopeJson);
    }
    if (!rooms || !envelopes) return;
    batch.stamp(
      this.history.append({ at: Date.now(), rooms, envelopes, name: batch.routed.socketEventName, payloadJson: batch.socketPayloadJson }),
    );
  }

  private keeps(room: Room): boolean {
    if (this.watched.has(room.name)) return true;
    for (const transport of room.members.keys()) if (transport.resumption === 'on-reconnect') return true;
    return false;
  }
}
