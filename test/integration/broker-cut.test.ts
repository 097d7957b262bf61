// A broker connection cut for 5 s in the middle of a stream of events: every event published before,
// during and after the cut reaches the bridge's clients once, in order. KAZOO publishes straight to
// the broker; only the bridge's connection goes through the proxy that is cut.
import { EnvelopeClient, subscribedWsAndV4 } from '../helpers/clients';
import { KazooPublisher } from '../helpers/kazoo';
import { newCallId } from '../helpers/ids';
import { startTestServer, TestServer } from '../helpers/server';
import { TcpProxy } from '../helpers/tcp-proxy';
import { pollUntil } from '../helpers/wait';

const CUT_MS = 5000;
const MIN_DURING_CUT = 500;

let kazoo: KazooPublisher;
let proxy: TcpProxy;
let server: TestServer;
/** Ends the publisher, also when the test fails half-way. */
let stop = false;
const open: EnvelopeClient[] = [];

beforeAll(async () => {
  kazoo = await KazooPublisher.connect();
  proxy = await TcpProxy.start(5672);
  server = await startTestServer({ amqpUrl: `amqp://guest:guest@127.0.0.1:${proxy.port}` });
});
afterAll(async () => {
  stop = true;
  await Promise.all(open.splice(0).map((c) => c.close()));
  await server.stop();
  await proxy.close();
  await kazoo.close();
});

/** The sequence numbers a client received, in arrival order, from call ids `${base}-${n}`. */
function sequence(client: EnvelopeClient, base: string): number[] {
  return client.events((e) => String(e.data['call_id']).startsWith(`${base}-`)).map((e) => Number(String(e.data['call_id']).slice(base.length + 1)));
}

it(`loses and duplicates nothing when the broker connection is cut for ${CUT_MS / 1000} s mid-stream`, async () => {
  const id = server.addIdentity();
  const { ws, sio } = await subscribedWsAndV4(server.url, id, 'call.CHANNEL_CREATE.*', open);
  const base = newCallId();
  const bus = server.app.bus;

  // One publisher, confirmed event by event, running through the whole test.
  let published = 0;
  const publishing = (async () => {
    while (!stop) await kazoo.call('CHANNEL_CREATE', id.accountId, `${base}-${published++}`);
  })();

  await ws.waitEvents('the stream flowing before the cut', (e) => String(e.data['call_id']).startsWith(`${base}-`), 100, 10000);
  const reconnects = bus.reconnects;
  proxy.setRefusing(true);
  proxy.cutAll();
  const cutAt = Date.now();
  const publishedAtCut = published;
  await pollUntil('the bus to notice the cut', () => (bus.reconnects > reconnects && !bus.ready ? true : undefined), 5000);
  await pollUntil(`${CUT_MS} ms of cut with at least ${MIN_DURING_CUT} events published`, () => (Date.now() - cutAt >= CUT_MS && published - publishedAtCut >= MIN_DURING_CUT ? true : undefined), CUT_MS + 30000);
  const duringCut = published - publishedAtCut;
  expect(bus.ready).toBe(false);
  proxy.setRefusing(false);
  const cutMs = Date.now() - cutAt;
  await pollUntil('the bus back', () => (bus.ready ? true : undefined), 10000);
  const publishedAtRestore = published;
  await pollUntil('200 more events published after the restore', () => (published - publishedAtRestore >= 200 ? true : undefined), 20000);
  stop = true;
  await publishing;

  const total = published;
  const expected = Array.from({ length: total }, (_, n) => n);
  for (const client of [ws, sio]) {
    // A timeout here is reported by the counts below, which say what went missing.
    await client.waitEvents(`all ${total} events (${client.generation})`, (e) => String(e.data['call_id']).startsWith(`${base}-`), total, 90_000).catch(() => undefined);
    const seq = sequence(client, base);
    const got = new Set(seq);
    expect({ generation: client.generation, lost: expected.filter((n) => !got.has(n)).length, duplicated: seq.length - got.size }).toEqual({ generation: client.generation, lost: 0, duplicated: 0 });
    expect(seq).toEqual(expected);
  }
  if (process.env['EH_TEST_REPORT']) process.stdout.write(`broker cut: ${total} events, ${duringCut} during the ${cutMs} ms cut, ${bus.reconnects - reconnects} reconnection(s), ${bus.redeliveriesDropped} redelivered duplicate(s) dropped\n`);
  expect(duringCut).toBeGreaterThanOrEqual(MIN_DURING_CUT);
  expect(bus.queueLosses).toBe(0);
}, 240_000);
