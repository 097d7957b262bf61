// A connection that closes while its commands are still queued: a subscribe that runs after the close
// must not join rooms or hold broker bindings for a session nobody will ever clean up.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WsClient } from '../helpers/clients';
import { brokerBindings } from '../helpers/broker';
import { startTestServer, TestServer } from '../helpers/server';
import { pollUntil } from '../helpers/wait';

let server: TestServer;
let slowCrossbar: http.Server;

beforeAll(async () => {
  // A Crossbar that takes 500 ms to answer: an `api` command holds the connection's command queue that long.
  slowCrossbar = http.createServer((_req, res) => setTimeout(() => res.end('{}'), 500));
  await new Promise<void>((resolve) => slowCrossbar.listen(0, '127.0.0.1', resolve));
  const crossbarUrl = `http://127.0.0.1:${(slowCrossbar.address() as AddressInfo).port}/v2`;
  server = await startTestServer({ crossbarUrl, recoveryWindowMs: 0 });
});
afterAll(async () => {
  await server.stop();
  slowCrossbar.closeAllConnections();
  await new Promise<void>((resolve) => slowCrossbar.close(() => resolve()));
});

it('a subscribe still queued when the connection closes leaves no room and no broker binding behind', async () => {
  const id = server.addIdentity();
  const { hub, bus } = server.app;
  const roomsBefore = hub.index.roomCount;
  // Watches the hub's public subscribe: the queued command has run once its call has settled.
  const settled: Array<string | undefined> = [];
  const subscribe = hub.subscribe.bind(hub);
  const spy = jest.spyOn(hub, 'subscribe').mockImplementation(async (...args) => {
    const outcome = await subscribe(...args);
    settled.push(outcome);
    return outcome;
  });
  const ws = await WsClient.connect(server.url.replace('http', 'ws') + '/');
  const binding = 'call.CHANNEL_BRIDGE.queued-behind-api';
  ws.send({ action: 'api', auth_token: id.token, request_id: 'slow', data: { verb: 'GET', path: '/v2/accounts' } });
  ws.send({ action: 'subscribe', auth_token: id.token, request_id: 'late', data: { account_id: id.accountId, binding } });
  await ws.close();
  await pollUntil('the session to be closed', () => ([...hub.sessions].length === 0 ? true : undefined));
  // The api answer arrives, then the queued subscribe runs against the closed session.
  try {
    await pollUntil('the queued subscribe to run', () => (settled.length > 0 ? true : undefined));
  } finally {
    spy.mockRestore();
  }
  expect(settled).toEqual(['connection closed: nothing subscribed']);
  expect(hub.index.roomCount).toBe(roomsBefore);
  expect(await brokerBindings(bus.queueName!)).not.toContain(`callevt ${binding}`);
});
