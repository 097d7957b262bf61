// Slow and dead peers: a WebSocket client that stops reading is dropped (4008) once its send buffer
// passes EH_MAX_BUFFERED_BYTES while a healthy client keeps its latency; a peer that never answers pings is cut.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';
import { SocketIoV4Client, WsClient } from '../helpers/clients';

import { KazooPublisher } from '../helpers/kazoo';
import { newCallId } from '../helpers/ids';
import { startTestServer, TestServer } from '../helpers/server';
import { TcpProxy } from '../helpers/tcp-proxy';
import { pollUntil } from '../helpers/wait';

let kazoo: KazooPublisher;
let server: TestServer;
const LIMIT = 256 * 1024;

beforeAll(async () => {
  kazoo = await KazooPublisher.connect();
  // Pings far apart here: the stalled client below never answers them, and must be dropped as slow.
  server = await startTestServer({ maxBufferedBytes: LIMIT, wsPingIntervalMs: 60000 });
});
afterAll(async () => {
  await kazoo.close();
  await server.stop();
});

/** A masked client text frame (RFC 6455 §5.3). */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, mask, masked]);
}

/** A raw TCP socket that completes the WebSocket handshake and sends `frames`; it never answers pings. */
async function rawWebSocket(url: string, frames: string[]): Promise<{ socket: net.Socket; received: () => string }> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  let text = '';
  socket.on('data', (d) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await pollUntil('the 101 handshake', () => (text.includes('\r\n\r\n') ? true : undefined));
  expect(text).toMatch(/^HTTP\/1.1 101/);
  for (const f of frames) socket.write(clientFrame(f));
  return { socket, received: () => text };
}

it('drops clients that never read (WebSocket, Socket.IO v4, 0.9), with bounded memory, while a healthy client keeps low latency', async () => {
  const id = server.addIdentity();
  const callId = newCallId();
  const binding = 'call.CHANNEL_CREATE.*';
  const healthy = await WsClient.connect(server.url.replace('http', 'ws') + '/');
  expect((await healthy.subscribe(id.token, id.accountId, binding)).status).toBe('success');
  const stalled = await rawWebSocket(server.url, [JSON.stringify({ action: 'subscribe', auth_token: id.token, request_id: 'slow', data: { account_id: id.accountId, binding } })]);
  await pollUntil('the stalled client to be subscribed', () => (stalled.received().includes('"request_id":"slow"') ? true : undefined));
  stalled.socket.pause();
  // A Socket.IO 0.9 client on its websocket transport and a Socket.IO v4 client, both behind a proxy
  // that stops reading from the bridge once they are subscribed: clients that stop reading.
  const proxy = await TcpProxy.start(server.app.port);
  const viaProxy = `http://127.0.0.1:${proxy.port}`;
  const sid = (await (await fetch(`${server.url}/socket.io/1/?t=1`)).text()).split(':')[0]!;
  const legacy = new WebSocket(`${viaProxy.replace('http', 'ws')}/socket.io/1/websocket/${sid}`);
  const legacyFrames: string[] = [];
  legacy.on('message', (d) => legacyFrames.push(d.toString()));
  legacy.on('error', () => undefined);
  await new Promise((resolve) => legacy.once('open', resolve));
  legacy.send(`5:::${JSON.stringify({ name: 'subscribe', args: [{ account_id: id.accountId, auth_token: id.token, binding }] })}`);
  await pollUntil('the 0.9 subscribe reply', () => (legacyFrames.some((f) => f.includes('"subscribed"')) ? true : undefined));
  const sio = await SocketIoV4Client.connect(viaProxy);
  expect((await sio.subscribe(id.token, id.accountId, binding)).status).toBe('success');
  proxy.stopReading('target');
  const sessionsBefore = server.app.hub.sessions.size;

  // 300 events of ~32 KiB: ~10 MiB, far past what the kernel buffers and the limit hold.
  const filler = 'x'.repeat(32 * 1024);
  const publishedAt = new Map<number, number>();
  const latencies: number[] = [];
  healthy.socket.on('message', (data) => {
    const seq = /"seq":(\d+)/.exec(data.toString().slice(-200))?.[1];
    if (seq !== undefined) latencies.push(performance.now() - publishedAt.get(Number(seq))!);
  });
  let maxBuffered = 0;
  for (let seq = 0; seq < 300; seq++) {
    publishedAt.set(seq, performance.now());
    await kazoo.call('CHANNEL_CREATE', id.accountId, callId, { Filler: filler, seq });
    for (const s of server.app.hub.sessions) maxBuffered = Math.max(maxBuffered, s.transport.bufferedBytes());
  }
  await healthy.waitEvents('all 300 events', (e) => e.data['call_id'] === callId, 300, 20000);
  await pollUntil('both stalled clients to be dropped', () => (server.app.hub.sessions.size === sessionsBefore - 3 ? true : undefined), 10000);

  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
  expect(latencies).toHaveLength(300);
  expect(p99).toBeLessThan(250);
  // The sweep runs every 100 ms: the buffer never grows far past the limit.
  expect(maxBuffered).toBeLessThan(LIMIT + 2 * 1024 * 1024);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toContain('eh_forced_disconnects_total{reason="slow_client",generation="websocket"} 1');
  expect(metrics).toContain('eh_forced_disconnects_total{reason="slow_client",generation="socketio-legacy"} 1');
  expect(metrics).toContain('eh_forced_disconnects_total{reason="slow_client",generation="socketio"} 1');
  legacy.terminate();
  await sio.close();
  await proxy.close();
  // It is closed with 4008 and a reason; a peer that is not reading within a second is cut outright.
  const gone = new Promise((resolve) => stalled.socket.once('close', resolve));
  stalled.socket.resume();
  await gone;
  stalled.socket.destroy();
  await healthy.close();
}, 60000);

it('cuts a peer that stops answering pings', async () => {
  const pinging = await startTestServer({ wsPingIntervalMs: 300 });
  const before = pinging.app.hub.sessions.size;
  const dead = await rawWebSocket(pinging.url, []);
  await pollUntil('the session to open', () => (pinging.app.hub.sessions.size === before + 1 ? true : undefined));
  const closed = new Promise((resolve) => dead.socket.once('close', resolve));
  // Ping interval 300 ms: one unanswered ping, and the next round cuts it.
  await pollUntil('the silent peer to be cut', () => (pinging.app.hub.sessions.size === before ? true : undefined), 3000);
  await closed;
  expect(dead.received()).toContain('\x89'); // it was pinged (opcode 0x9)
  expect(await (await fetch(`${pinging.url}/metrics`)).text()).toContain('eh_errors_total{kind="dead_peer"} 1');
  await pinging.stop();
});
