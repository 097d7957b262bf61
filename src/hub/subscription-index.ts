// Owns rooms (account + client binding), their members grouped by fan-out target, and the topic
// trie that maps an event's account-scoped key to the rooms it reaches. Pure bookkeeping, no I/O.
import { TopicTrie } from '../bindings/topic-trie';
import type { SubscriptionPlan, SubscriptionKey, AmqpBinding } from '../bindings/family';
import type { Session } from './session';
import type { Transport } from './transport';
import { roomName } from './room-name';

/** One room: every local session holding the same binding for the same account. */
export class Room {
  readonly members = new Map<Transport, Set<Session>>();
  /** Settles once every AMQP binding of the room is in place on the broker. */
  ready: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly accountId: string,
    readonly binding: string,
    readonly keys: readonly SubscriptionKey[],
    readonly amqp: readonly AmqpBinding[],
  ) {}

  /** Local members written to by one fan-out target. */
  membersOf(target: Transport): ReadonlySet<Session> | undefined {
    return this.members.get(target);
  }

  get size(): number {
    let n = 0;
    for (const set of this.members.values()) n += set.size;
    return n;
  }
}

interface TrieEntry {
  room: Room;
  key: SubscriptionKey;
}

/**
 * The node's rooms and the trie over their match patterns.
 * @example
 * const { room, created } = index.join(session, accountId, plan);
 * index.match("call.A.CHANNEL_CREATE.x"); // Map { room => "call.A.CHANNEL_CREATE.*" }
 */
export class SubscriptionIndex {
  private readonly rooms = new Map<string, Room>();
  private readonly trie = new TopicTrie<TrieEntry>();
  private readonly entries = new Map<Room, TrieEntry[]>();

  get roomCount(): number {
    return this.rooms.size;
  }

  get(name: string): Room | undefined {
    return this.rooms.get(name);
  }

  allRooms(): IterableIterator<Room> {
    return this.rooms.values();
  }

  /** Adds a session to the room of a plan, creating the room (and its trie entries) when new. */
  join(session: Session, accountId: string, plan: SubscriptionPlan): { room: Room; created: boolean } {
    const name = roomName(accountId, plan.requested);
    let room = this.rooms.get(name);
    const created = !room;
    if (!room) {
      const fresh = new Room(name, accountId, plan.requested, plan.keys, plan.amqp);
      const entries = plan.keys.map((key) => ({ room: fresh, key }));
      for (const entry of entries) this.trie.add(entry.key.matchPattern, entry);
      this.entries.set(fresh, entries);
      this.rooms.set(name, fresh);
      room = fresh;
    }
    const target = session.transport.target;
    let set = room.members.get(target);
    if (!set) {
      set = new Set();
      room.members.set(target, set);
    }
    set.add(session);
    return { room, created };
  }

  /** Removes a session from a room; returns the room when it became empty and was dropped. */
  leave(session: Session, name: string): Room | undefined {
    const room = this.rooms.get(name);
    if (!room) return undefined;
    const target = session.transport.target;
    const set = room.members.get(target);
    if (set) {
      set.delete(session);
      if (set.size === 0) room.members.delete(target);
    }
    if (room.size > 0) return undefined;
    this.rooms.delete(name);
    this.removeTrieEntries(room);
    return room;
  }

  private removeTrieEntries(room: Room): void {
    for (const entry of this.entries.get(room) ?? []) this.trie.remove(entry.key.matchPattern, entry);
    this.entries.delete(room);
  }

  /** The rooms an account-scoped key reaches, each with the first subscription key it matched. */
  match(matchKey: string): Map<Room, string> {
    const hits = new Map<Room, string>();
    for (const { room, key } of this.trie.match(matchKey)) {
      if (!hits.has(room)) hits.set(room, key.display);
    }
    return hits;
  }
}
