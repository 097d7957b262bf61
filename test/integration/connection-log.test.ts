// The connection log at info level: who was connected when (session, generation, IP, accounts), why a
// connection ended, refused commands, failed logins and 4029 closes; repeat subscribes at debug.
import { connectClient, SocketIoV4Client, WsClient } from '../helpers/clients';
import { Client09 } from '../helpers/legacy-client';
import { newAccountId } from '../helpers/ids';
import { Level, LogCapture, LogLine } from '../helpers/log-capture';
import { startTestServer, TestServer } from '../helpers/server';

let server: TestServer;
const logs = new LogCapture('debug');
beforeAll(async () => {
  server = await startTestServer({ rateLimitPerSecond: 1, rateLimitBurst: 3 }, {}, { logger: logs.logger });
});
afterAll(() => server.stop());

const of = (session: unknown, msg: string) => (l: LogLine) => l.session === session && l.msg === msg;

it('logs a raw WebSocket connection from open to close, with its accounts and the close reason', async () => {
  const id = server.addIdentity();
  const c = (await connectClient('websocket', server.url)) as WsClient;
  const opened = await logs.waitFor('connection opened', (l) => l.msg === 'connection opened' && l.generation === 'websocket' && !logs.lines.some((x) => x.msg === 'connection closed' && x.session === l.session));
  expect(opened).toMatchObject({ level: Level.info, ip: '127.0.0.1', node: server.app.cluster.node, session: expect.any(String) });
  const session = opened['session'];

  expect(await c.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*')).toMatchObject({ status: 'success' });
  expect(await c.subscribe(id.token, id.accountId, 'call.CHANNEL_DESTROY.*')).toMatchObject({ status: 'success' });
  const first = await logs.waitFor('the first subscribe', of(session, 'connection subscribed to an account'));
  expect(first).toMatchObject({ level: Level.info, account: id.accountId, generation: 'websocket', ip: '127.0.0.1', bindings: ['call.CHANNEL_CREATE.*'] });
  // A further subscribe of the same account is a debug line.
  expect(await logs.waitFor('the second subscribe', of(session, 'subscribed'))).toMatchObject({ level: Level.debug, bindings: ['call.CHANNEL_DESTROY.*'] });

  const other = newAccountId();
  expect(await c.subscribe(id.token, other, 'call.CHANNEL_CREATE.*')).toMatchObject({ status: 'error' });
  expect(await logs.waitFor('the refusal', of(session, 'command refused'))).toMatchObject({ level: Level.info, action: 'subscribe', account: other, errors: [expect.stringMatching(/unauthorized/i)] });

  await c.close();
  const closed = await logs.waitFor('connection closed', of(session, 'connection closed'));
  expect(closed).toMatchObject({ level: Level.info, generation: 'websocket', ip: '127.0.0.1', accounts: [id.accountId], bindings: 2, reason: '1005' });
  expect(closed['durationMs']).toEqual(expect.any(Number));
});

it('logs failed logins with the IP, and a Socket.IO disconnect with its reason', async () => {
  const c = (await connectClient('socketio-v4', server.url)) as SocketIoV4Client;
  const reply = await c.subscribe('not-a-token', newAccountId(), 'call.CHANNEL_CREATE.*');
  expect(reply).toMatchObject({ status: 'error' });
  const failed = await logs.waitFor('login failed', (l) => l.msg === 'login failed');
  expect(failed).toMatchObject({ level: Level.info, ip: '127.0.0.1', reason: 'invalid' });
  const refused = await logs.waitFor('the refusal', (l) => l.msg === 'command refused' && l.request_id === reply.request_id);
  expect(refused).toMatchObject({ generation: 'socketio', action: 'subscribe' });
  await c.close();
  expect(await logs.waitFor('socket.io closed', of(refused['session'], 'connection closed'))).toMatchObject({ level: Level.info, generation: 'socketio', reason: 'client namespace disconnect', accounts: [] });
});

it('logs a 4029 close over the rate limit, and the connection closing with that code', async () => {
  const c = (await connectClient('websocket', server.url)) as WsClient;
  for (let i = 0; i < 12; i++) c.send({ action: 'ping', request_id: `flood-${i}` });
  expect(await c.ended(8000)).toEqual({ code: 4029, reason: 'rate limit exceeded' });
  const port = c.localPort;
  expect(await logs.waitFor('the 4029 line', (l) => l.msg === 'closing a connection over the rate limit' && l.address === `127.0.0.1:${port}`)).toMatchObject({ level: Level.info, code: 4029 });
  expect(await logs.waitFor('the close line', (l) => l.msg === 'connection closed' && l.reason === '4029 rate limit exceeded')).toMatchObject({ generation: 'websocket' });
});

it('logs a Socket.IO 0.9 session from open to close, with the account it subscribed to', async () => {
  const id = server.addIdentity();
  const c = Client09.open(server.url, 'websocket');
  await c.connected;
  c.socket.emit('subscribe', { account_id: id.accountId, auth_token: id.token, binding: 'call.CHANNEL_CREATE.*' });
  const subscribed = await logs.waitFor('the 0.9 subscribe', (l) => l.msg === 'connection subscribed to an account' && l.account === id.accountId);
  expect(subscribed).toMatchObject({ level: Level.info, generation: 'socketio-legacy', ip: '127.0.0.1' });
  const session = subscribed['session'];
  expect(logs.lines.find(of(session, 'connection opened'))).toMatchObject({ generation: 'socketio-legacy' });
  c.close();
  const closed = await logs.waitFor('the 0.9 close', of(session, 'connection closed'));
  expect(closed).toMatchObject({ level: Level.info, generation: 'socketio-legacy', accounts: [id.accountId], reason: 'client disconnected' });
});
