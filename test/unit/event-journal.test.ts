// EventJournal: the short history missed-event recovery replays. It records only watched rooms, numbers
// what it records, answers "what came after seq N for these rooms", and forgets by age, need and cap.
import type { RoutedEvent } from '../../src/bindings/family';
import { FanoutBatch } from '../../src/hub/fanout';
import { Room } from '../../src/hub/subscription-index';
import { EventJournal } from '../../src/ops/event-journal';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const RED = new Room(`${A}/red`, A, 'red', [], []);
const BLUE = new Room(`${A}/blue`, A, 'blue', [], []);
const GREEN = new Room(`${A}/green`, A, 'green', [], []);

let calls = 0;
/** One event that reached `rooms`; its call id (`c1`, `c2`, …) tells the envelopes apart. */
function event(...rooms: Room[]): FanoutBatch {
  const callId = `c${++calls}`;
  const routed: RoutedEvent = { matchKey: `call.${A}.CHANNEL_CREATE.${callId}`, routingKey: `call.${A}.CHANNEL_CREATE.${callId}`, name: 'CHANNEL_CREATE', socketEventName: 'CHANNEL_CREATE', socketPayloadNormalized: false };
  return new FanoutBatch(routed, { 'Call-ID': callId }, new Map(rooms.map((r) => [r, `key of ${r.binding}`])));
}

/** What a replay gives back, as `room:call id` pairs. */
function replay(journal: EventJournal, afterSeq: number, rooms: Room[], upTo?: number): string[] {
  return journal.since(afterSeq, new Set(rooms.map((r) => r.name)), upTo).map((json) => {
    const e = JSON.parse(json) as { subscribed_key: string; data: { call_id: string } };
    return `${e.subscribed_key}:${e.data.call_id}`;
  });
}

beforeEach(() => {
  calls = 0;
});

describe('EventJournal', () => {
  it('records nothing while no room is watched', () => {
    const journal = new EventJournal(60_000);
    journal.deliver(event(RED));
    expect(journal.seq).toBe(0);
    expect(journal.size).toBe(0);
  });

  it('numbers only the events that reached a watched room, and keeps only the watched rooms\' envelopes', () => {
    const journal = new EventJournal(60_000);
    journal.floor = () => 0;
    journal.watch([RED.name]);
    journal.deliver(event(RED, BLUE)); // c1
    journal.deliver(event(BLUE)); // c2: nobody watches blue
    journal.deliver(event(RED)); // c3
    expect(journal.seq).toBe(2);
    expect(replay(journal, 0, [RED, BLUE])).toEqual(['red:c1', 'red:c3']);
  });

  it('replays, in arrival order, one envelope per asked room an event reached, after a seq and up to another', () => {
    const journal = new EventJournal(60_000);
    journal.floor = () => 0;
    journal.watch([RED.name, BLUE.name, GREEN.name]);
    journal.deliver(event(RED)); // seq 1, c1
    journal.deliver(event(RED, BLUE)); // seq 2, c2
    journal.deliver(event(GREEN)); // seq 3, c3
    journal.deliver(event(BLUE)); // seq 4, c4
    expect(replay(journal, 1, [RED, BLUE])).toEqual(['red:c2', 'blue:c2', 'blue:c4']);
    expect(replay(journal, 0, [GREEN])).toEqual(['green:c3']);
    expect(replay(journal, 1, [RED, BLUE, GREEN], 3)).toEqual(['red:c2', 'blue:c2', 'green:c3']);
    expect(replay(journal, 4, [RED, BLUE, GREEN])).toEqual([]);
  });

  it('counts watchers per room: recording stops, and the history goes, when the last one unwatches', () => {
    const journal = new EventJournal(60_000);
    journal.floor = () => 0;
    journal.watch([RED.name]);
    journal.watch([RED.name]);
    journal.unwatch([RED.name]);
    journal.deliver(event(RED));
    expect(journal.seq).toBe(1);
    journal.unwatch([RED.name]);
    expect(journal.size).toBe(0);
    journal.deliver(event(RED));
    expect(journal.seq).toBe(1);
  });

  it('forgets entries at or below the floor, the oldest seq a parked connection still needs', () => {
    const journal = new EventJournal(60_000);
    let floor = 0;
    journal.floor = () => floor;
    journal.watch([RED.name]);
    journal.deliver(event(RED)); // 1
    journal.deliver(event(RED)); // 2
    floor = 2;
    journal.deliver(event(RED)); // 3: trimming runs on each record
    expect(journal.size).toBe(1);
    expect(replay(journal, 0, [RED])).toEqual(['red:c3']);
    expect(journal.evictedUpTo).toBe(0);
  });

  it('forgets entries older than its window', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const journal = new EventJournal(1000);
      journal.floor = () => 0;
      journal.watch([RED.name]);
      journal.deliver(event(RED)); // c1 at t=0
      jest.setSystemTime(1_000_600);
      journal.deliver(event(RED)); // c2 at t=600
      jest.setSystemTime(1_001_200);
      journal.deliver(event(RED)); // c3 at t=1200: c1 is now older than the window
      expect(replay(journal, 0, [RED])).toEqual(['red:c2', 'red:c3']);
      expect(journal.evictedUpTo).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps at most its cap, and remembers the highest still-needed seq it had to drop', () => {
    const journal = new EventJournal(60_000, 3);
    journal.floor = () => 0;
    journal.watch([RED.name]);
    for (let i = 0; i < 5; i++) journal.deliver(event(RED));
    expect(journal.size).toBe(3);
    expect(journal.evictedUpTo).toBe(2);
    expect(replay(journal, 0, [RED])).toEqual(['red:c3', 'red:c4', 'red:c5']);
  });

  it('keeps answering correctly after compacting a long history', () => {
    const journal = new EventJournal(60_000, 100);
    journal.floor = () => 0;
    journal.watch([RED.name]);
    for (let i = 0; i < 3000; i++) journal.deliver(event(RED));
    expect(journal.size).toBe(100);
    expect(journal.evictedUpTo).toBe(2900);
    expect(replay(journal, 2998, [RED])).toEqual(['red:c2999', 'red:c3000']);
  });

  it('keeps every still-needed entry when it compacts the history the floor left behind', () => {
    const journal = new EventJournal(60_000);
    let floor = 0;
    journal.floor = () => floor;
    journal.watch([RED.name]);
    for (let i = 0; i < 1100; i++) journal.deliver(event(RED));
    floor = 1050;
    journal.deliver(event(RED)); // drops seq 1…1050 and compacts what is left
    const kept = replay(journal, 0, [RED]);
    expect(kept).toHaveLength(51);
    expect(kept[0]).toBe('red:c1051');
    expect(kept[50]).toBe('red:c1101');
  });
});
