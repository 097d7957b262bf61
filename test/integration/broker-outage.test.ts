// Broker outages: a dropped connection is re-established and every binding re-declared without the
// clients doing anything; a bridge started while RabbitMQ is unreachable serves clients and catches up.
import { WsClient, EnvelopeClient, subscribedWsAndV4 } from '../helpers/clients';
import { KazooPublisher } from '../helpers/kazoo';
import { newCallId } from '../helpers/ids';
import { startTestServer, TestServer } from '../helpers/server';
import { TcpProxy } from '../helpers/tcp-proxy';
import { pollUntil } from '../helpers/wait';

let kazoo: KazooPublisher;
let proxy: TcpProxy;
let server: TestServer | undefined;
const open: EnvelopeClient[] = [];

beforeAll(async () => {
  kazoo = await KazooPublisher.connect();
});
beforeEach(async () => {
  proxy = await TcpProxy.start(5672);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await server?.stop();
  server = undefined;
  await proxy.close();
});
afterAll(async () => {
  await kazoo.close();
});

it('resumes delivery within 5 s after the broker connection drops, without clients re-subscribing', async () => {
  server = await startTestServer({ amqpUrl: `amqp://guest:guest@127.0.0.1:${proxy.port}` });
  const id = server.addIdentity();
  const { ws, sio } = await subscribedWsAndV4(server.url, id, 'call.CHANNEL_CREATE.*', open);
  const before = newCallId();
  await kazoo.call('CHANNEL_CREATE', id.accountId, before);
  await ws.waitEvents('an event before the outage', (e) => e.data['call_id'] === before);
  const reconnectsBefore = server.app.bus.reconnects;

  proxy.cutAll();
  const cutAt = Date.now();
  await pollUntil('the bus to notice the drop', () => (server!.app.bus.reconnects > reconnectsBefore ? true : undefined));
  await pollUntil('the bus to be ready again', () => (server!.app.bus.ready ? true : undefined), 5000);

  const after = newCallId();
  await kazoo.call('CHANNEL_CREATE', id.accountId, after);
  await ws.waitEvents('an event after the outage (ws)', (e) => e.data['call_id'] === after, 1, 5000);
  await sio.waitEvents('an event after the outage (socket.io)', (e) => e.data['call_id'] === after, 1, 5000);
  expect(Date.now() - cutAt).toBeLessThan(5000);
  expect(proxy.connectionsAccepted).toBeGreaterThanOrEqual(2);
});

it('starts while RabbitMQ is unreachable, accepts clients, and binds once the broker is back', async () => {
  proxy.setRefusing(true);
  server = await startTestServer({ amqpUrl: `amqp://guest:guest@127.0.0.1:${proxy.port}`, amqpBindTimeoutMs: 15000 });
  const id = server.addIdentity();
  const ws = await WsClient.connect(server.url.replace('http', 'ws') + '/');
  open.push(ws);
  expect((await ws.request({ action: 'ping', auth_token: id.token })).data).toEqual({ response: 'pong' });
  const res = await fetch(`${server.url}/readyz`);
  expect(res.status).toBe(503);

  const reply = ws.subscribe(id.token, id.accountId, 'call.CHANNEL_ANSWER.*');
  proxy.setRefusing(false);
  expect((await reply).status).toBe('success');
  const callId = newCallId();
  await kazoo.call('CHANNEL_ANSWER', id.accountId, callId);
  await ws.waitEvents('the first event once the broker is reachable', (e) => e.data['call_id'] === callId);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
});

it('replies with a clear error, and holds nothing, when the broker stays away past the bind timeout', async () => {
  proxy.setRefusing(true);
  server = await startTestServer({ amqpUrl: `amqp://guest:guest@127.0.0.1:${proxy.port}`, amqpBindTimeoutMs: 300 });
  const id = server.addIdentity();
  const ws = await WsClient.connect(server.url.replace('http', 'ws') + '/');
  open.push(ws);
  const reply = await ws.subscribe(id.token, id.accountId, 'call.CHANNEL_ANSWER.*');
  expect(reply.data.errors).toEqual(['event bus unavailable: the subscription could not be bound on RabbitMQ in time, try again']);
  expect(server.app.hub.index.roomCount).toBe(0);
});
