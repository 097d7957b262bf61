// SubscriptionIndex: rooms per (account, binding), members grouped by fan-out target, and the trie that
// finds an event's rooms. Pure bookkeeping, driven with the real catalogue's plans.
import { BindingCatalogue } from '../../src/bindings/catalogue';
import type { SubscriptionPlan } from '../../src/bindings/family';
import { Session } from '../../src/hub/session';
import { SubscriptionIndex } from '../../src/hub/subscription-index';
import { planner } from '../helpers/catalogue-plans';
import { RecordingTarget, RecordingTransport } from '../helpers/memory-hub';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const { plan } = planner(new BindingCatalogue(), A);
const websocket = new RecordingTarget('websocket');
const legacy = new RecordingTarget('socketio-legacy');

function session(target = websocket): Session {
  return new Session(new RecordingTransport(target));
}

function roomsMatching(index: SubscriptionIndex, key: string): Array<[string, string]> {
  return [...index.match(key)].map(([room, display]) => [room.name, display]);
}

describe('SubscriptionIndex', () => {
  it('creates a room on the first join only, and counts every member', () => {
    const index = new SubscriptionIndex();
    const first = index.join(session(), A, plan('call.CHANNEL_CREATE.*'));
    const second = index.join(session(), A, plan('call.CHANNEL_CREATE.*'));
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.room).toBe(first.room);
    expect(first.room).toMatchObject({ name: `${A}/call.CHANNEL_CREATE.*`, accountId: A, binding: 'call.CHANNEL_CREATE.*', size: 2 });
    expect(index.roomCount).toBe(1);
    expect(index.get(`${A}/call.CHANNEL_CREATE.*`)).toBe(first.room);
  });

  it('groups a room\'s members by the fan-out target of their transport', () => {
    const index = new SubscriptionIndex();
    const [w1, w2, l1] = [session(websocket), session(websocket), session(legacy)];
    const p = plan('call.CHANNEL_ANSWER.*');
    for (const s of [w1, w2, l1]) index.join(s, A, p);
    const room = index.get(`${A}/call.CHANNEL_ANSWER.*`)!;
    expect([...room.membersOf(websocket)!]).toEqual([w1, w2]);
    expect([...room.membersOf(legacy)!]).toEqual([l1]);
    expect(room.membersOf(new RecordingTarget('other'))).toBeUndefined();
    expect(room.size).toBe(3);
  });

  it('keeps the same binding of two accounts in two rooms, each reached only by its account\'s events', () => {
    const index = new SubscriptionIndex();
    index.join(session(), A, plan('call.CHANNEL_CREATE.*', A));
    index.join(session(), B, plan('call.CHANNEL_CREATE.*', B));
    expect(index.roomCount).toBe(2);
    expect(roomsMatching(index, `call.${A}.CHANNEL_CREATE.c1`)).toEqual([[`${A}/call.CHANNEL_CREATE.*`, `call.${A}.CHANNEL_CREATE.*`]]);
    expect(roomsMatching(index, `call.${B}.CHANNEL_CREATE.c1`)).toEqual([[`${B}/call.CHANNEL_CREATE.*`, `call.${B}.CHANNEL_CREATE.*`]]);
    expect(roomsMatching(index, `call.${A}.CHANNEL_DESTROY.c1`)).toEqual([]);
  });

  it('finds every room an event reaches, each once, with the first of its keys that matched', () => {
    const index = new SubscriptionIndex();
    const overlapping: SubscriptionPlan = {
      requested: 'custom.binding',
      keys: [
        { display: 'first key', matchPattern: `call.${A}.#` },
        { display: 'second key', matchPattern: `call.${A}.CHANNEL_CREATE.*` },
      ],
      amqp: [],
    };
    index.join(session(), A, overlapping);
    index.join(session(), A, plan('call.*.*'));
    expect(roomsMatching(index, `call.${A}.CHANNEL_CREATE.c1`).sort()).toEqual([
      [`${A}/call.*.*`, `call.${A}.CHANNEL_CREATE.*`],
      [`${A}/custom.binding`, 'first key'],
    ]);
  });

  it('keeps a room while any member is left, and drops it (and its trie entries) with the last', () => {
    const index = new SubscriptionIndex();
    const [s1, s2] = [session(websocket), session(legacy)];
    const name = `${A}/call.CHANNEL_CREATE.*`;
    index.join(s1, A, plan('call.CHANNEL_CREATE.*'));
    index.join(s2, A, plan('call.CHANNEL_CREATE.*'));
    expect(index.leave(s1, name)).toBeUndefined();
    expect(index.get(name)!.membersOf(websocket)).toBeUndefined();
    expect(roomsMatching(index, `call.${A}.CHANNEL_CREATE.c1`)).toHaveLength(1);
    const dropped = index.leave(s2, name);
    expect(dropped?.name).toBe(name);
    expect(index.get(name)).toBeUndefined();
    expect(index.roomCount).toBe(0);
    expect(roomsMatching(index, `call.${A}.CHANNEL_CREATE.c1`)).toEqual([]);
  });

  it('removes only the dropped room\'s trie entries when another room has the same pattern', () => {
    const index = new SubscriptionIndex();
    const [s1, s2] = [session(), session()];
    index.join(s1, A, plan('call.CHANNEL_CREATE.*'));
    index.join(s2, A, plan('call.*.*'));
    index.leave(s1, `${A}/call.CHANNEL_CREATE.*`);
    expect(roomsMatching(index, `call.${A}.CHANNEL_CREATE.c1`)).toEqual([[`${A}/call.*.*`, `call.${A}.CHANNEL_CREATE.*`]]);
  });

  it('ignores a leave from a room that does not exist or by a session that is not in it', () => {
    const index = new SubscriptionIndex();
    const member = session();
    index.join(member, A, plan('call.CHANNEL_CREATE.*'));
    expect(index.leave(member, `${A}/call.CHANNEL_ANSWER.*`)).toBeUndefined();
    expect(index.leave(session(), `${A}/call.CHANNEL_CREATE.*`)).toBeUndefined();
    expect(index.get(`${A}/call.CHANNEL_CREATE.*`)!.size).toBe(1);
  });

  it('makes a fresh room when a binding is joined again after its room was dropped', () => {
    const index = new SubscriptionIndex();
    const s = session();
    const before = index.join(s, A, plan('call.CHANNEL_CREATE.*')).room;
    index.leave(s, before.name);
    const again = index.join(s, A, plan('call.CHANNEL_CREATE.*'));
    expect(again.created).toBe(true);
    expect(again.room).not.toBe(before);
    expect(roomsMatching(index, `call.${A}.CHANNEL_CREATE.c1`)).toHaveLength(1);
  });
});
