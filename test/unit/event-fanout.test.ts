// EventFanout: every batch goes to the recorder first (it stamps the history position), then to every
// transport in list order, then to the read-only observers; a writer that throws is counted and the
// others still write; broadcasts enter the same way, as the named event and the room's envelope.
import pino from 'pino';
import type { FanoutBatch } from '../../src/hub/fanout';
import { EventFanout } from '../../src/hub/event-fanout';
import { planner } from '../helpers/catalogue-plans';
import { callEvent, memoryHub, RecordingTarget, RecordingTransport } from '../helpers/memory-hub';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const BINDING = 'call.CHANNEL_CREATE.*';

async function setUp() {
  const { hub, catalogue } = memoryHub();
  const order: string[] = [];
  const recorder = { record: (batch: FanoutBatch) => (order.push('recorder'), batch.stamp('1-1')) };
  const first = new RecordingTarget('first');
  const second = new RecordingTarget('second');
  for (const t of [first, second]) {
    const deliver = t.deliver.bind(t);
    t.deliver = (batch) => (order.push(`${t.name}@${batch.position}`), deliver(batch));
  }
  const seen: FanoutBatch[] = [];
  const fanout = new EventFanout({ hub, logger: pino({ level: 'silent' }), transports: [first, second], recorder, observers: [{ observe: (b) => (order.push('observer'), seen.push(b)) }] });
  const { plan } = planner(catalogue, A);
  const session = hub.openSession(new RecordingTransport(first));
  expect(await hub.subscribe(session, A, [plan(BINDING)])).toBeUndefined();
  return { hub, fanout, order, first, second, seen };
}

it('hands a delivery to the recorder, then each transport in order (stamped), then the observers', async () => {
  const { fanout, order, first, second, seen } = await setUp();
  const e = callEvent(A, 'CHANNEL_CREATE', 'c1');
  fanout.deliver(e.exchange, e.routingKey, e.content);
  expect(order).toEqual(['recorder', 'first@1-1', 'second@1-1', 'observer']);
  expect(first.batches).toHaveLength(1);
  expect(second.batches[0]).toBe(first.batches[0]);
  expect(seen[0]!.hits.map((h) => h.room.name)).toEqual([`${A}/${BINDING}`]);
});

it('counts a transport that throws and still lets the next one write', async () => {
  const { hub, fanout, first, second } = await setUp();
  first.deliver = () => {
    throw new Error('socket gone');
  };
  const e = callEvent(A, 'CHANNEL_CREATE', 'c2');
  fanout.deliver(e.exchange, e.routingKey, e.content);
  expect(hub.counters.fanoutErrors).toBe(1);
  expect(second.batches).toHaveLength(1);
});

it('writes a broadcast to the room through the same writers, as its named event and envelope, and reports the members', async () => {
  const { fanout, first } = await setUp();
  expect(fanout.broadcast(`${A}/${BINDING}`, 'maintenance', { in: '5m' })).toBe(1);
  const batch = first.batches[0]!;
  expect(batch.routed.socketEventName).toBe('maintenance');
  expect(batch.socketPayloadJson).toBe('{"in":"5m"}');
  expect(batch.hits[0]!.envelope).toMatchObject({ action: 'event', name: 'maintenance', routing_key: 'broadcast', subscribed_key: BINDING, data: { in: '5m' } });
  expect(fanout.broadcast(`${A}/nobody.here`, 'maintenance', {})).toBe(0);
  expect(first.batches).toHaveLength(1);
});

it('lets an observer watch only until it stops', async () => {
  const { fanout } = await setUp();
  const counted: FanoutBatch[] = [];
  const stop = fanout.observe({ observe: (b) => counted.push(b) });
  const e = callEvent(A, 'CHANNEL_CREATE', 'c3');
  fanout.deliver(e.exchange, e.routingKey, e.content);
  stop();
  fanout.deliver(e.exchange, e.routingKey, e.content);
  expect(counted).toHaveLength(1);
});
