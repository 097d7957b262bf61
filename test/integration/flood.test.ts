// A flood from one IP must not stop others being served: one source (127.0.0.2) opens more connections
// than allowed and floods each with junk, while a client from another IP keeps its events and pings.
import WebSocket from 'ws';
import { connectClient, EnvelopeClient, WsClient } from '../helpers/clients';
import { newCallId } from '../helpers/ids';
import { KazooPublisher } from '../helpers/kazoo';
import { startTestServer, TestServer } from '../helpers/server';

const FLOOD_CONNECTIONS = 30;
const MAX_PER_IP = 20;
const MESSAGES_PER_CONNECTION = 1000;
const EVENTS = 50;

let server: TestServer;
let kazoo: KazooPublisher;

beforeAll(async () => {
  server = await startTestServer({ maxConnectionsPerIp: MAX_PER_IP });
  kazoo = await KazooPublisher.connect();
});
afterAll(async () => {
  await kazoo.close();
  await server.stop();
});

/** Opens one connection from 127.0.0.2: the socket, or the HTTP status that refused it. */
function connectFrom127002(url: string): Promise<{ ws?: WebSocket; refused?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { localAddress: '127.0.0.2' });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ refused: res.statusCode ?? 0 });
    });
    ws.on('error', () => undefined);
    ws.once('open', () => resolve({ ws }));
  });
}

/** Floods an open connection with junk; resolves with the close code it ends with. */
function flood(ws: WebSocket): Promise<number> {
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  for (let i = 0; i < MESSAGES_PER_CONNECTION && ws.readyState === WebSocket.OPEN; i++) {
    ws.send(i % 2 === 0 ? '{not json' : JSON.stringify({ action: 'subscribe', data: { account_id: '*', binding: 'call.*.*' } }));
  }
  return closed;
}

it('serves a client on another IP while one IP floods connections and messages', async () => {
  const { token, accountId } = server.addIdentity();
  const victims: EnvelopeClient[] = [await WsClient.connect(server.url.replace(/^http/, 'ws') + '/'), await connectClient('socketio-v4', server.url)];
  try {
    for (const v of victims) expect((await v.subscribe(token, accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');

    const wsUrl = server.url.replace(/^http/, 'ws') + '/';
    const attempts = await Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, () => connectFrom127002(wsUrl)));
    const flooding = Promise.all(attempts.filter((a) => a.ws).map((a) => flood(a.ws!)));
    const callIds: string[] = [];
    const pingMs: number[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const callId = newCallId();
      callIds.push(callId);
      await kazoo.call('CHANNEL_CREATE', accountId, callId);
      if (i % 10 === 0) {
        const started = Date.now();
        expect((await victims[0]!.request({ action: 'ping', auth_token: token }, 5000)).status).toBe('success');
        pingMs.push(Date.now() - started);
      }
    }
    for (const v of victims) await v.waitEvents('every event', (e) => callIds.includes(e.data['call_id'] as string), EVENTS, 15_000);
    const codes = await flooding;

    // Past the per-IP cap, connections were refused (429); each admitted one was cut for flooding.
    const refused = attempts.filter((a) => a.refused === 429).length;
    const cut = codes.filter((code) => code === 4029).length;
    expect(refused).toBe(FLOOD_CONNECTIONS - MAX_PER_IP);
    expect(codes).toHaveLength(MAX_PER_IP);
    expect(cut).toBeGreaterThan(0);
    const counters = server.app.security.counters;
    expect(counters.connectionsRefused).toBe(refused);
    // A flooder still writing may see its TCP connection end before the 4029 close frame (1006).
    expect(counters.rateLimitDisconnects).toBe(MAX_PER_IP);
    expect(counters.rateLimited).toBeGreaterThanOrEqual(MAX_PER_IP * (100 + 1));
    // The victim was answered throughout; generous bound for a shared CI machine.
    expect(Math.max(...pingMs)).toBeLessThan(2000);
  } finally {
    await Promise.all(victims.map((v) => v.close()));
  }
});
