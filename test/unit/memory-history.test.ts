// The recovery history: the in-process driver (positions that only grow, reads after a position for some
// rooms, forgetting by age and cap, saying when a read is incomplete) and the recorder in front of it
// (which events it keeps: watched rooms, rooms with an on-reconnect member; the batch gets its position).
import type { RoutedEvent } from '../../src/bindings/family';
import { FanoutBatch } from '../../src/hub/fanout';
import { Room } from '../../src/hub/subscription-index';
import { Session } from '../../src/hub/session';
import { comparePositions, parsePosition, type NewHistoryEvent } from '../../src/recovery/history';
import { MemoryHistory } from '../../src/recovery/memory-history';
import { HistoryRecorder } from '../../src/recovery/recorder';
import { RecordingTarget, RecordingTransport } from '../helpers/memory-hub';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const RED = `${A}/red`;
const BLUE = `${A}/blue`;

let calls = 0;
beforeEach(() => {
  calls = 0;
});

/** One event that reached `rooms`, its envelope per room named `room:cN`. */
function event(rooms: string[], at = Date.now()): NewHistoryEvent {
  const id = `c${++calls}`;
  return { at, rooms, envelopes: rooms.map((r) => JSON.stringify(`${r}:${id}`)), name: 'CHANNEL_CREATE', payloadJson: '{}' };
}

async function read(history: MemoryHistory, after: string, rooms: string[]): Promise<{ got: string[]; complete: boolean }> {
  const { events, complete } = await history.readAfter(after, new Set(rooms));
  return { got: events.flatMap((e) => e.envelopes.map((j) => JSON.parse(j) as string)), complete };
}

describe('MemoryHistory', () => {
  it('gives positions that only grow, even when the clock goes back', () => {
    const history = new MemoryHistory({ windowMs: 60_000, maxEvents: 100 });
    const now = Date.now();
    const a = history.append(event([RED], now));
    const b = history.append(event([RED], now - 5000));
    expect(parsePosition(a)).toBeDefined();
    expect(comparePositions(a, b)).toBeLessThan(0);
    expect(history.head()).toBe(b);
  });

  it('reads the events of the asked rooms after a position, in order, narrowed to those rooms', async () => {
    const history = new MemoryHistory({ windowMs: 60_000, maxEvents: 100 });
    const start = history.head();
    const first = history.append(event([RED, BLUE]));
    history.append(event([BLUE]));
    history.append(event([RED]));
    expect(await read(history, start, [RED])).toEqual({ got: [`${RED}:c1`, `${RED}:c3`], complete: true });
    expect(await read(history, first, [RED, BLUE])).toEqual({ got: [`${BLUE}:c2`, `${RED}:c3`], complete: true });
  });

  it('keeps at most its cap: a read from before what it dropped is incomplete, a later one is not', async () => {
    const history = new MemoryHistory({ windowMs: 60_000, maxEvents: 2 });
    const start = history.head();
    const p1 = history.append(event([RED]));
    const p2 = history.append(event([RED]));
    history.append(event([RED]));
    expect(history.size).toBe(2);
    expect(history.evicted).toBe(1);
    expect(await read(history, start, [RED])).toEqual({ got: [`${RED}:c2`, `${RED}:c3`], complete: false });
    expect((await read(history, p1, [RED])).complete).toBe(true);
    expect(await read(history, p2, [RED])).toEqual({ got: [`${RED}:c3`], complete: true });
  });

  it('forgets events older than its window without calling later reads incomplete', async () => {
    const history = new MemoryHistory({ windowMs: 1000, maxEvents: 100 });
    const now = Date.now();
    const p1 = history.append(event([RED], now));
    history.append(event([RED], now + 600));
    history.append(event([RED], now + 1200));
    expect(history.size).toBe(2);
    expect(await read(history, p1, [RED])).toEqual({ got: [`${RED}:c2`, `${RED}:c3`], complete: true });
  });

  it('calls a position it never gave (not a position, from before it started, or ahead of it) incomplete', async () => {
    const history = new MemoryHistory({ windowMs: 60_000, maxEvents: 100 });
    history.append(event([RED]));
    expect((await read(history, 'not-a-position', [RED])).complete).toBe(false);
    expect((await read(history, '1-0', [RED])).complete).toBe(false);
    expect((await read(history, `${Date.now() + 3_600_000}-0`, [RED])).complete).toBe(false);
  });

  it('keeps answering correctly after compacting a long history', async () => {
    const history = new MemoryHistory({ windowMs: 60_000, maxEvents: 1000 });
    let mark = '';
    for (let i = 0; i < 3000; i++) {
      const p = history.append(event([RED]));
      if (i === 2997) mark = p;
    }
    expect(history.size).toBe(1000);
    expect(await read(history, mark, [RED])).toEqual({ got: [`${RED}:c2999`, `${RED}:c3000`], complete: true });
  });

  it('reads back every kept envelope and payload exactly while its slabs are written over many times', async () => {
    // 4,000 events of about 2 KB through a cap of 600: about 8 MB through 1 MiB slabs, each reused.
    const history = new MemoryHistory({ windowMs: 60_000, maxEvents: 600 });
    const start = history.head();
    const sent: Array<{ envelope: string; payload: string }> = [];
    for (let i = 0; i < 4000; i++) {
      const envelope = JSON.stringify({ n: i, text: `é${'x'.repeat(1000 + (i % 13))}` });
      const payload = JSON.stringify({ call: i, pad: '€'.repeat(300 + (i % 5)) });
      history.append({ at: Date.now(), rooms: [RED, BLUE], envelopes: [envelope, envelope.replace('"n"', '"b"')], name: 'CHANNEL_CREATE', payloadJson: payload });
      sent.push({ envelope, payload });
    }
    const { events, complete } = history.readAfterNow(start, new Set([BLUE]));
    expect(complete).toBe(false);
    expect(events).toHaveLength(600);
    events.forEach((e, k) => {
      const expected = sent[3400 + k]!;
      expect(e.rooms).toEqual([BLUE]);
      expect(e.envelopes).toEqual([expected.envelope.replace('"n"', '"b"')]);
      expect(e.payloadJson).toBe(expected.payload);
    });
  });
});

describe('HistoryRecorder', () => {
  const routed: RoutedEvent = { matchKey: `call.${A}.CHANNEL_CREATE.x`, routingKey: `call.${A}.CHANNEL_CREATE.x`, name: 'CHANNEL_CREATE', socketEventName: 'CHANNEL_CREATE', socketPayloadNormalized: false };
  const room = (name: string, resumption?: 'on-reconnect' | 'by-command') => {
    const r = new Room(`${A}/${name}`, A, name, [], []);
    if (resumption) {
      const target = new RecordingTarget(name, resumption);
      r.members.set(target, new Set([new Session(new RecordingTransport(target))]));
    }
    return r;
  };
  const batch = (...rooms: Room[]) => new FanoutBatch(routed, { 'Call-ID': 'x' }, new Map(rooms.map((r) => [r, r.binding])), '{"Call-ID":"x"}');

  it('keeps nothing, and stamps nothing, for rooms nobody may resume', () => {
    const history = new MemoryHistory({ windowMs: 60_000, maxEvents: 100 });
    const b = batch(room('red', 'by-command'));
    new HistoryRecorder(history).record(b);
    expect(history.size).toBe(0);
    expect(b.position).toBeUndefined();
  });

  it('keeps the rooms with an on-reconnect member and the watched ones, and stamps the batch with the position', async () => {
    const history = new MemoryHistory({ windowMs: 60_000, maxEvents: 100 });
    const recorder = new HistoryRecorder(history);
    const start = history.head();
    const [live, watched, other] = [room('live', 'on-reconnect'), room('watched', 'by-command'), room('other', 'by-command')];
    recorder.watch([watched.name]);
    const b = batch(live, watched, other);
    recorder.record(b);
    expect(b.position).toBe(history.head());
    const { events } = await history.readAfter(start, new Set([live.name, watched.name, other.name]));
    expect(events.map((e) => e.rooms)).toEqual([[live.name, watched.name]]);
    expect(events[0]!.envelopes).toEqual([b.hits[0]!.envelopeJson, b.hits[1]!.envelopeJson]);
    recorder.unwatch([watched.name]);
    recorder.record(batch(watched));
    expect(history.size).toBe(1);
  });

  it('gives the same event the same id on any node (routing key and body)', () => {
    expect(batch(room('a')).eventId).toBe(batch(room('b')).eventId);
  });
});
