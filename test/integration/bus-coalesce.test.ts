// Coalesced account bindings with real clients and the real broker: once enough accounts bind the same
// shape the broker holds it once with the account wildcarded; every subscribed account still gets
// exactly its own events, once and in order, through the move to the shape and back; an account that
// never subscribed, or unsubscribed, gets nothing; a lost queue comes back with one binding; and a
// move begun while the queue is lost ends with the shape alone, and with nothing once everyone left.
import * as amqp from 'amqplib';
import { connectClient, EnvelopeClient, EventMessage } from '../helpers/clients';
import { brokerBindings } from '../helpers/broker';
import { AMQP_URL, KazooPublisher } from '../helpers/kazoo';
import { startTestServer, TestIdentity, TestServer } from '../helpers/server';
import { pollUntil } from '../helpers/wait';
import pino from 'pino';
import { encodedAccountDb } from '../../src/bindings/families/object';
import type { AmqpBus } from '../../src/bus/amqp-bus';
import { newAccountId } from '../helpers/ids';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { startBusBehindProxy } from '../helpers/proxied-bus';

const BINDING = 'object.doc_edited.user';
const SHAPE = 'configuration doc_edited.*.user.*';
let server: TestServer;
let kazoo: KazooPublisher;
const clients: EnvelopeClient[] = [];

beforeAll(async () => {
  // Coalesce at 4 accounts, back to one binding per account below 2.
  server = await startTestServer({ amqpCoalesceAccounts: 4, recoveryWindowMs: 0 });
  kazoo = await KazooPublisher.connect();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await kazoo.close();
  await server.stop();
});

async function client(generation: 'websocket' | 'socketio-v4'): Promise<EnvelopeClient> {
  const c = await connectClient(generation, server.url);
  clients.push(c);
  return c;
}

/** The broker's bindings of the node's queue on `configuration`. */
async function configurationBindings(): Promise<string[]> {
  return (await brokerBindings(server.app.bus.queueName!)).filter((b) => b.startsWith('configuration '));
}

const exact = (accountId: string) => `configuration doc_edited.${encodedAccountDb(accountId)}.user.*`;
const seqOf = (e: EventMessage) => Number(String(e.routing_key).split('.').pop()!.replace('n-', ''));
const docEvents = (c: EnvelopeClient) => c.events((e) => e.subscribed_key === BINDING);

/** Publishes numbered doc_edited events for the accounts in turn, each confirmed, until stopped. */
function publishLoop(accounts: string[]) {
  const sent = new Map<string, number[]>(accounts.map((a) => [a, []]));
  let seq = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const account = accounts[seq % accounts.length]!;
      const n = seq++;
      await kazoo.docChange('doc_edited', account, 'user', `n-${n}`);
      sent.get(account)!.push(n);
    }
  })();
  return {
    sent,
    /** The next sequence number: every event from it on is published after this moment. */
    now: () => seq,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

interface Window {
  id: TestIdentity;
  c: EnvelopeClient;
  /** First sequence number published after the subscribe was confirmed: every event of the account from it on must arrive. */
  from: number;
  /** Sequence number at the unsubscribe reply: none from it on may arrive. */
  cutoff?: number;
}

it('moves to one shape binding and back while every subscribed account gets exactly its own events, once, in order', async () => {
  const ids = Array.from({ length: 4 }, () => server.addIdentity());
  const outsider = server.addIdentity(); // publishes, never subscribes to the binding
  const loop = publishLoop([...ids.map((i) => i.accountId), outsider.accountId]);
  const outsiderClient = await client('websocket');
  // The outsider holds another binding on the same node: it must still never see the shape's events.
  expect((await outsiderClient.subscribe(outsider.token, outsider.accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');
  const windows: Window[] = [];
  const subscribe = async (id: TestIdentity, generation: 'websocket' | 'socketio-v4') => {
    const c = await client(generation);
    expect((await c.subscribe(id.token, id.accountId, BINDING)).status).toBe('success');
    const w: Window = { id, c, from: loop.now() };
    windows.push(w);
    return w;
  };
  const unsubscribe = async (w: Window) => {
    expect((await w.c.unsubscribe(w.id.token, w.id.accountId, BINDING)).status).toBe('success');
    w.cutoff = loop.now();
  };
  try {
    const [w1, w2, w3] = [await subscribe(ids[0]!, 'websocket'), await subscribe(ids[1]!, 'socketio-v4'), await subscribe(ids[2]!, 'websocket')];
    expect(await configurationBindings()).toEqual([exact(ids[0]!.accountId), exact(ids[1]!.accountId), exact(ids[2]!.accountId)].sort());
    expect(server.app.bus.coalescedShapes).toBe(0);

    // The fourth account: one shape binding replaces the four once the broker confirmed it.
    const w4 = await subscribe(ids[3]!, 'socketio-v4');
    expect(server.app.bus.coalescedShapes).toBe(1);
    await pollUntil('the shape alone on the broker', async () => ((await configurationBindings()).join() === SHAPE ? true : undefined), 20000, 300);
    const coalescedAt = loop.now();
    await pollUntil('events through the shape', () => (docEvents(w1.c).some((e) => seqOf(e) > coalescedAt) ? true : undefined), 10000);

    // Down to one account: back to its own binding, the shape dropped once that is live.
    await unsubscribe(w4);
    await unsubscribe(w3);
    expect(server.app.bus.coalescedShapes).toBe(1); // two left: not below half of 4
    await unsubscribe(w2);
    expect(server.app.bus.coalescedShapes).toBe(0);
    await pollUntil('the account\'s own binding alone', async () => ((await configurationBindings()).join() === exact(ids[0]!.accountId) ? true : undefined), 20000, 300);
    const last = loop.now();
    await pollUntil('events through the exact binding', () => (docEvents(w1.c).some((e) => seqOf(e) > last) ? true : undefined), 10000);
  } finally {
    await loop.stop();
  }
  const end = loop.now();
  const w1 = windows[0]!;
  // Until the account unsubscribed, each of its events must arrive with none missing: up to the end for
  // an account still subscribed, up to the last one received for one that left (events already queued
  // for the node when the unsubscribe ran may or may not have reached it first).
  const lastSeen = (w: Window) => Math.max(-1, ...docEvents(w.c).map(seqOf));
  const expected = (w: Window) => loop.sent.get(w.id.accountId)!.filter((n) => n >= w.from && n <= (w.cutoff === undefined ? end : lastSeen(w)));
  await pollUntil('every account\'s window delivered', () => (windows.every((w) => expected(w).every((n) => docEvents(w.c).some((e) => seqOf(e) === n))) ? true : undefined), 15000);
  for (const w of windows) {
    const got = docEvents(w.c);
    // Only its own account, each event once, in order.
    expect(got.filter((e) => !String(e.routing_key).includes(encodedAccountDb(w.id.accountId)))).toEqual([]);
    const seqs = got.map(seqOf);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(seqs.filter((n) => n >= w.from)).toEqual(expected(w));
    expect(expected(w).length).toBeGreaterThan(0);
    if (w.cutoff !== undefined) expect(seqs.filter((n) => n >= w.cutoff!)).toEqual([]);
  }
  expect(expected(w1).length).toBeGreaterThan(20);
  expect(outsiderClient.events()).toEqual([]);
  // The last account leaves: nothing of the shape is left on the broker.
  expect((await w1.c.unsubscribe(w1.id.token, w1.id.accountId, BINDING)).status).toBe('success');
  await pollUntil('no configuration binding left', async () => ((await configurationBindings()).length === 0 ? true : undefined), 20000, 300);
});

it('brings a coalesced shape back as one binding after a queue loss, and each account gets its own events again', async () => {
  const ids = Array.from({ length: 5 }, () => server.addIdentity());
  const outsider = server.addIdentity();
  const cs = await Promise.all(ids.map(() => client('websocket')));
  await Promise.all(ids.map(async (id, i) => expect((await cs[i]!.subscribe(id.token, id.accountId, BINDING)).status).toBe('success')));
  await pollUntil('the shape alone on the broker', async () => ((await configurationBindings()).join() === SHAPE ? true : undefined), 20000, 300);
  const { bus } = server.app;
  const losses = bus.queueLosses;
  // The queue goes, as an expiry, a broker restart or an operator would take it.
  const connection = await amqp.connect(AMQP_URL);
  await (await connection.createChannel()).deleteQueue(bus.queueName!);
  await connection.close();
  await pollUntil('the queue re-created and re-bound', () => (bus.queueLosses > losses && bus.ready ? true : undefined), 20000);
  expect(await configurationBindings()).toEqual([SHAPE]);
  for (const id of [...ids, outsider]) await kazoo.docChange('doc_edited', id.accountId, 'user', 'after-loss');
  await Promise.all(cs.map((c, i) => c.waitEvents('its own event after the loss', (e) => e.routing_key === `doc_edited.${encodedAccountDb(ids[i]!.accountId)}.user.after-loss`, 1, 10000)));
  for (const [i, c] of cs.entries()) {
    expect(docEvents(c).map((e) => e.routing_key)).toEqual([`doc_edited.${encodedAccountDb(ids[i]!.accountId)}.user.after-loss`]);
  }
});

describe('the bus on its own, behind a proxy', () => {
  let proxy: TcpProxy;
  let bus: AmqpBus;
  const deliveredKeys: string[] = [];

  beforeEach(async () => {
    ({ bus, proxy } = await startBusBehindProxy({
      exchanges: ['configuration'],
      logger: pino({ level: 'silent' }),
      onMessage: (_exchange, routingKey) => deliveredKeys.push(routingKey),
      coalesceAccounts: 4,
    }));
  });
  afterEach(async () => {
    await bus.close();
    await proxy.close();
  });

  it('finishes a move to the shape begun while the queue is lost, leaving the shape alone on the new queue', async () => {
    const ids = Array.from({ length: 4 }, () => newAccountId());
    const binding = (a: string) => ({ exchange: 'configuration', routingKey: `doc_edited.${encodedAccountDb(a)}.user.*`, accountWord: 1 });
    await Promise.all(ids.slice(0, 3).map((a) => bus.acquire(binding(a))));
    expect((await brokerBindings(bus.queueName!)).filter((b) => b.startsWith('configuration '))).toHaveLength(3);
    // The queue goes while the bus is cut off; the fourth account arrives meanwhile and starts the move.
    proxy.setRefusing(true);
    proxy.cutAll();
    const connection = await amqp.connect(AMQP_URL);
    await (await connection.createChannel()).deleteQueue(bus.queueName!);
    await connection.close();
    const fourth = bus.acquire(binding(ids[3]!));
    expect(bus.coalescedShapes).toBe(1);
    proxy.setRefusing(false);
    await fourth;
    await pollUntil('the shape alone on the new queue', async () => (bus.ready && (await brokerBindings(bus.queueName!)).filter((b) => b.startsWith('configuration ')).join() === SHAPE ? true : undefined), 20000, 300);
    for (const a of ids) await kazoo.docChange('doc_edited', a, 'user', 'after-move');
    await pollUntil('each account\'s event through the shape', () => (ids.every((a) => deliveredKeys.includes(`doc_edited.${encodedAccountDb(a)}.user.after-move`)) ? true : undefined), 10000);
    // Everyone leaves: below half the threshold the last ones move back, then nothing is left.
    for (const a of ids) bus.release(binding(a));
    await pollUntil('no binding left', async () => ((await brokerBindings(bus.queueName!)).filter((b) => b.startsWith('configuration ')).length === 0 ? true : undefined), 20000, 300);
    expect(bus.boundCount).toBe(0);
  });
});
