// LegacyFanout: how one event reaches 0.9 sessions. Each gets the named event (`CHANNEL_CREATE`) once,
// then one `message` envelope per room of its that the event matched; each packet is built once and
// the same one handed to every session. Driven through a real hub and real 0.9 connections.
import pino from 'pino';
import { FanoutBatch } from '../../src/hub/fanout';
import type { RoutedEvent } from '../../src/bindings/family';
import { LegacyConnection, packetText, type PacketSink, type QueuedPacket } from '../../src/transports/legacy/legacy-connection';
import { LegacyFanout } from '../../src/transports/legacy/legacy-fanout';
import { planner } from '../helpers/catalogue-plans';
import { callEvent, memoryFanout, memoryHub, RecordingTarget, RecordingTransport } from '../helpers/memory-hub';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const TIMINGS = { heartbeatIntervalMs: 600_000, heartbeatTimeoutMs: 600_000, closeTimeoutMs: 600_000, pollTimeoutMs: 600_000 };

/** A websocket that keeps every packet handed to it after the connect packet. */
class RecordingSink implements PacketSink {
  readonly kind = 'websocket' as const;
  readonly packets: QueuedPacket[] = [];
  write(packets: readonly QueuedPacket[]): boolean {
    this.packets.push(...packets.filter((p) => p !== '1::'));
    return true;
  }
  end(): void {}
}

const connections: LegacyConnection[] = [];
afterEach(() => {
  for (const c of connections.splice(0)) c.close('test over');
});

/** The 0.9 transport as far as the hub sees it: its connections' target, writing through a LegacyFanout. */
class LegacyOwner extends RecordingTarget {
  readonly writer = new LegacyFanout(this);
  constructor() {
    super('socketio-legacy');
  }
  override deliver(batch: FanoutBatch): void {
    this.writer.deliver(batch);
  }
}

function setUp() {
  const { hub, catalogue } = memoryHub();
  const owner = new LegacyOwner();
  const fanout = owner.writer;
  const events = memoryFanout(hub, [owner]);
  const { plan } = planner(catalogue, A);
  const connect = async (...bindings: string[]) => {
    const connection = new LegacyConnection(`sid-${connections.length}`, '127.0.0.1', { hub, target: owner, timings: TIMINGS, logger: pino({ level: 'silent' }), maxBufferedPackets: 100, onClosed: () => undefined });
    connections.push(connection);
    const sink = new RecordingSink();
    connection.attach(sink);
    expect(await hub.subscribe(connection.session(), A, bindings.map((b) => plan(b)))).toBeUndefined();
    return sink;
  };
  const publish = (eventName: string, callId: string) => {
    const e = callEvent(A, eventName, callId);
    events.deliver(e.exchange, e.routingKey, e.content);
  };
  return { hub, fanout, events, plan, connect, publish };
}

/** A packet's name and, for `message`, the binding the envelope is for. */
function describePacket(p: QueuedPacket): string {
  const text = packetText(p);
  expect(text.startsWith('5:::')).toBe(true);
  const packet = JSON.parse(text.slice(4)) as { name: string; args: Array<{ subscribed_key?: string; 'Call-ID'?: string }> };
  return packet.name === 'message' ? `message ${packet.args[0]!.subscribed_key}` : `${packet.name} ${packet.args[0]!['Call-ID']}`;
}

describe('LegacyFanout', () => {
  it('writes the named event, then the room\'s message, to every member of the one room an event reached', async () => {
    const { connect, publish } = setUp();
    const [a, b] = [await connect('call.CHANNEL_CREATE.*'), await connect('call.CHANNEL_CREATE.*')];
    publish('CHANNEL_CREATE', 'c1');
    for (const sink of [a, b]) expect(sink.packets.map(describePacket)).toEqual(['CHANNEL_CREATE c1', 'message call.CHANNEL_CREATE.*']);
    expect(b.packets[0]).toBe(a.packets[0]);
    expect(b.packets[1]).toBe(a.packets[1]);
  });

  it('gives a session in several matching rooms the named event once, then one message per room', async () => {
    const { connect, publish } = setUp();
    const both = await connect('call.CHANNEL_CREATE.*', 'call.*.*');
    const one = await connect('call.*.*');
    publish('CHANNEL_CREATE', 'c2');
    expect(both.packets.map(describePacket)).toEqual(['CHANNEL_CREATE c2', 'message call.CHANNEL_CREATE.*', 'message call.*.*']);
    expect(one.packets.map(describePacket)).toEqual(['CHANNEL_CREATE c2', 'message call.*.*']);
    expect(one.packets[0]).toBe(both.packets[0]);
    expect(one.packets[1]).toBe(both.packets[2]);
  });

  it('writes nothing to sessions whose rooms the event did not reach', async () => {
    const { connect, publish } = setUp();
    const other = await connect('call.CHANNEL_ANSWER.*');
    await connect('call.CHANNEL_CREATE.*');
    publish('CHANNEL_CREATE', 'c3');
    expect(other.packets).toEqual([]);
  });

  it('leaves members of other transports in the same room to their own writers', async () => {
    const { hub, plan, connect, publish } = setUp();
    const legacySink = await connect('call.CHANNEL_CREATE.*');
    const otherTransport = new RecordingTransport(new RecordingTarget('websocket'));
    await hub.subscribe(hub.openSession(otherTransport), A, [plan('call.CHANNEL_CREATE.*')]);
    publish('CHANNEL_CREATE', 'c4');
    expect(otherTransport.sent).toEqual([]);
    expect(legacySink.packets.map(describePacket)).toEqual(['CHANNEL_CREATE c4', 'message call.CHANNEL_CREATE.*']);
  });

  it('writes to its sessions alone when the event also reached a room that has none of them', async () => {
    const { hub, plan, connect, publish } = setUp();
    const legacySink = await connect('call.CHANNEL_CREATE.*');
    await hub.subscribe(hub.openSession(new RecordingTransport(new RecordingTarget('websocket'))), A, [plan('call.*.*')]);
    publish('CHANNEL_CREATE', 'c7');
    expect(legacySink.packets.map(describePacket)).toEqual(['CHANNEL_CREATE c7', 'message call.CHANNEL_CREATE.*']);
    expect(hub.counters.fanoutErrors).toBe(0);
  });

  it('sends only messages when the event\'s name is one Socket.IO keeps for itself', async () => {
    const { hub, fanout, connect } = setUp();
    const sink = await connect('call.CHANNEL_CREATE.*');
    const room = hub.index.get(`${A}/call.CHANNEL_CREATE.*`)!;
    const routed: RoutedEvent = { matchKey: `call.${A}.CHANNEL_CREATE.c5`, routingKey: `call.${A}.CHANNEL_CREATE.c5`, name: 'disconnect', socketEventName: 'disconnect', socketPayloadNormalized: false };
    fanout.deliver(new FanoutBatch(routed, { 'Call-ID': 'c5' }, new Map([[room, `call.${A}.CHANNEL_CREATE.*`]])));
    expect(sink.packets.map(describePacket)).toEqual(['message call.CHANNEL_CREATE.*']);
  });

  it('carries KAZOO\'s body as received in the named event, not re-encoded', async () => {
    const { events, connect } = setUp();
    const sink = await connect('call.CHANNEL_CREATE.*');
    const body = `{"Event-Name":"CHANNEL_CREATE","Call-ID":"c6","Custom-Channel-Vars":{"Account-ID":"${A}"},"Big":12345678901234567890}`;
    events.deliver('callevt', 'call.CHANNEL_CREATE.c6', Buffer.from(body));
    expect(packetText(sink.packets[0]!)).toBe(`5:::{"name":"CHANNEL_CREATE","args":[${body}]}`);
  });
});
