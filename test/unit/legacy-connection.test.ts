// A 0.9 session's life without sockets: `1::` first, poll hand-over, idle noops, heartbeats, the close
// timeout and the buffer cap, driven with fake sinks and fake timers.
import pino from 'pino';
import type { Hub } from '../../src/hub/hub';
import { RecordingTarget } from '../helpers/memory-hub';
import { LegacyConnection, PacketSink } from '../../src/transports/legacy/legacy-connection';

const TIMINGS = { heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 3000, closeTimeoutMs: 5000, pollTimeoutMs: 2000 };

class FakeSink implements PacketSink {
  readonly written: string[][] = [];
  ended = false;
  constructor(readonly kind: 'websocket' | 'poll') {}
  write(packets: readonly string[]): boolean {
    this.written.push([...packets]);
    return this.kind === 'websocket';
  }
  end(): void {
    this.ended = true;
  }
}

function makeConnection(maxBufferedPackets = 1000) {
  const opened: unknown[] = [];
  const closedSessions: unknown[] = [];
  const hub = { openSession: (t: unknown) => (opened.push(t), { id: 'hub-session' }), closeSession: (s: unknown) => closedSessions.push(s) } as unknown as Hub;
  const gone: LegacyConnection[] = [];
  const connection = new LegacyConnection('sid1', '127.0.0.1', {
    hub,
    target: new RecordingTarget('socketio-legacy'),
    timings: TIMINGS,
    logger: pino({ level: 'silent' }),
    maxBufferedPackets,
    onClosed: (c) => gone.push(c),
  });
  return { connection, opened, closedSessions, gone };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('sends 1:: first on the first transport, before packets queued earlier, and opens the hub session once', () => {
  const { connection, opened } = makeConnection();
  connection.send('5:::{"name":"early"}');
  const poll = new FakeSink('poll');
  connection.attach(poll);
  expect(poll.written).toEqual([['1::', '5:::{"name":"early"}']]);
  const next = new FakeSink('poll');
  connection.send('2::');
  connection.attach(next);
  expect(next.written).toEqual([['2::']]);
  expect(opened).toHaveLength(1);
});

it('answers a held poll 8:: when another poll takes over, and an idle one after the poll timeout', () => {
  const { connection } = makeConnection();
  connection.attach(new FakeSink('poll')); // answered 1::
  const held = new FakeSink('poll');
  connection.attach(held);
  const takeover = new FakeSink('poll');
  connection.attach(takeover);
  expect(held.ended).toBe(true);
  jest.advanceTimersByTime(TIMINGS.pollTimeoutMs);
  expect(takeover.written).toEqual([['8::']]);
});

it('reaps a session after the close timeout with no transport, and not while one is attached', () => {
  const { connection, gone, closedSessions } = makeConnection();
  jest.advanceTimersByTime(TIMINGS.closeTimeoutMs - 1);
  const ws = new FakeSink('websocket');
  connection.attach(ws);
  // Twice the close timeout with the websocket attached, its client echoing every heartbeat: the session lives on.
  for (let t = 0; t < TIMINGS.closeTimeoutMs * 2; t += TIMINGS.heartbeatIntervalMs) {
    jest.advanceTimersByTime(TIMINGS.heartbeatIntervalMs);
    connection.onHeartbeat();
  }
  expect(connection.isClosed).toBe(false);
  connection.detach(ws);
  jest.advanceTimersByTime(TIMINGS.closeTimeoutMs);
  expect(connection.isClosed).toBe(true);
  expect(gone).toEqual([connection]);
  expect(closedSessions).toHaveLength(1);
});

it('sends 2:: every interval on a websocket and closes when one goes unanswered for the heartbeat timeout', () => {
  const { connection } = makeConnection();
  const ws = new FakeSink('websocket');
  connection.attach(ws);
  jest.advanceTimersByTime(TIMINGS.heartbeatIntervalMs);
  expect(ws.written.at(-1)).toEqual(['2::']);
  connection.onHeartbeat();
  jest.advanceTimersByTime(TIMINGS.heartbeatIntervalMs);
  expect(ws.written.filter((w) => w[0] === '2::')).toHaveLength(2);
  jest.advanceTimersByTime(TIMINGS.heartbeatTimeoutMs);
  expect(connection.isClosed).toBe(true);
  expect(ws.ended).toBe(true);
  expect(connection.heartbeatsAnswered).toBe(1);
});

it('closes a session whose buffer overflows while no poll is held', () => {
  const { connection, gone } = makeConnection(3);
  connection.attach(new FakeSink('poll'));
  for (let i = 0; i < 4; i++) connection.send(`3:::${i}`);
  expect(connection.isClosed).toBe(true);
  expect(gone).toHaveLength(1);
  expect(connection.bufferedCount).toBe(0);
});
