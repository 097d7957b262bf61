// What an operator sees: Prometheus metrics that move with real traffic, readiness that turns 503
// while draining, a graceful drain that closes clients with 1001, and built-in TLS (wss) on the one port.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { connectClient, EnvelopeClient, SocketIoV4Client, WsClient } from '../helpers/clients';
import { KazooPublisher } from '../helpers/kazoo';
import { newCallId } from '../helpers/ids';
import { startTestServer, TestServer } from '../helpers/server';
import { TcpProxy } from '../helpers/tcp-proxy';
import { pollUntil } from '../helpers/wait';

let kazoo: KazooPublisher;
beforeAll(async () => {
  kazoo = await KazooPublisher.connect();
});
afterAll(async () => {
  await kazoo.close();
});

/** The value of one sample line (`name{labels} value`) of a Prometheus exposition, or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics', () => {
  let server: TestServer;
  const open: EnvelopeClient[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await server.stop();
  });

  it('counts connections by generation, subscriptions, bindings, events, latency and replies', async () => {
    const id = server.addIdentity();
    const ws = await connectClient('websocket', server.url);
    const sio = await connectClient('socketio-v4', server.url);
    const v2 = await connectClient('socketio-v2', server.url);
    open.push(ws, sio, v2);
    for (const c of [ws, sio, v2]) expect((await c.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    expect((await ws.request({ action: 'subscribe', auth_token: 'nope', data: { account_id: id.accountId, binding: 'call.*.*' } })).status).toBe('error');
    const callId = newCallId();
    await kazoo.call('CHANNEL_CREATE', id.accountId, callId);
    for (const c of [ws, sio, v2]) await c.waitEvents('the event', (e) => e.data['call_id'] === callId);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'eh_connections', 'generation="websocket"')).toBe(1);
    expect(sample(text, 'eh_connections', 'generation="socketio"')).toBe(1);
    expect(sample(text, 'eh_connections', 'generation="socketio-eio3"')).toBe(1);
    expect(sample(text, 'eh_connections', 'generation="socketio-legacy"')).toBe(0);
    expect(sample(text, 'eh_subscriptions')).toBe(3);
    expect(sample(text, 'eh_amqp_bindings')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'eh_amqp_connected')).toBe(1);
    expect(sample(text, 'eh_events_received_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'eh_events_delivered_total', 'transport="websocket"')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'eh_events_delivered_total', 'transport="socketio"')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'eh_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'eh_replies_total', 'status="success"')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'eh_replies_total', 'status="error"')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'eh_errors_total', 'kind="auth"')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'eh_amqp_reconnects_total')).toBe(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('keeps each app instance on its own registry', async () => {
    const other = await startTestServer();
    try {
      const text = await (await fetch(`${other.url}/metrics`)).text();
      expect(sample(text, 'eh_subscriptions')).toBe(0);
      expect(sample(text, 'eh_connections', 'generation="websocket"')).toBe(0);
    } finally {
      await other.stop();
    }
  });
});

describe('graceful drain', () => {
  it('turns /readyz 503, closes WebSocket clients with 1001 and Socket.IO transports, and finishes within the deadline', async () => {
    const server = await startTestServer({ shutdownTimeoutMs: 4000 });
    const id = server.addIdentity();
    // The broker connection comes up in the background after start.
    const ready = await pollUntil('/readyz 200', async () => {
      const res = await fetch(`${server.url}/readyz`);
      return res.status === 200 ? res : undefined;
    });
    expect(await ready.json()).toMatchObject({ status: 'ready', rabbitmq: 'ok', draining: false });
    const ws = (await connectClient('websocket', server.url)) as WsClient;
    const sio = (await connectClient('socketio-v4', server.url)) as SocketIoV4Client;
    await ws.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*');
    const eio3 = await connectClient('socketio-v2', server.url);
    const sioGone = new Promise<string>((resolve) => sio.socket.once('disconnect', (reason) => resolve(reason)));
    expect(server.app.ops.readiness.evaluate().ready).toBe(true);
    // The registry is cleared once the drain is over: watch the counts as they are made.
    const disconnects = jest.spyOn(server.app.ops.metrics, 'countDisconnect');

    const started = Date.now();
    const stopped = server.stop();
    expect(server.app.ops.readiness.evaluate()).toMatchObject({ ready: false, checks: { draining: true } });
    await stopped;
    expect(Date.now() - started).toBeLessThan(4000);
    expect(ws.closeInfo).toEqual({ code: 1001, reason: 'server shutting down' });
    // A transport close, not a Socket.IO DISCONNECT packet: the client reconnects on its own.
    expect(await sioGone).toBe('transport close');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    // Labelled as eh_connections labels them: Socket.IO v2/v3 clients are `socketio-eio3`.
    expect(disconnects.mock.calls.map(([reason, generation]) => `${reason}/${generation}`).sort()).toEqual(['shutdown/socketio', 'shutdown/socketio-eio3', 'shutdown/websocket']);
    await eio3.close();
  });

  it('cuts a client that never completes the close handshake once the deadline passes', async () => {
    const server = await startTestServer({ shutdownTimeoutMs: 1500 });
    const proxy = await TcpProxy.start(server.app.port);
    const raw = new WebSocket(`ws://127.0.0.1:${proxy.port}/`);
    await new Promise((resolve) => raw.once('open', resolve));
    // The client stops reading: the close frame never reaches it, so it is never answered.
    proxy.stopReading('target');
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(1500 + 3500);
    expect(server.app.ops.readiness.evaluate().ready).toBe(false);
    expect(raw.readyState).toBe(WebSocket.OPEN);
    raw.terminate();
    await proxy.close();
  });
});

/**
 * Runs the Dockerfile's HEALTHCHECK command as the container would, with `env`; resolves with its exit
 * code. Asynchronously: the bridge it asks runs in this process.
 */
function dockerHealthcheck(env: Record<string, string>): Promise<number | null> {
  const line = fs.readFileSync(path.join(__dirname, '..', '..', 'Dockerfile'), 'utf8').split('\n').find((l) => l.startsWith('HEALTHCHECK'))!;
  const [command, ...args] = JSON.parse(line.slice(line.indexOf('CMD') + 3)) as string[];
  const child = spawn(command!, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: 'ignore', timeout: 10_000 });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

const portOf = (server: TestServer) => new URL(server.url).port;

describe('the container HEALTHCHECK', () => {
  it('passes against a live bridge over plain HTTP and fails when nothing listens', async () => {
    const server = await startTestServer();
    const port = portOf(server);
    try {
      expect(await dockerHealthcheck({ EH_PORT: port })).toBe(0);
    } finally {
      await server.stop();
    }
    expect(await dockerHealthcheck({ EH_PORT: port })).toBe(1);
  });
});

describe('built-in TLS (EH_TLS_CERT / EH_TLS_KEY)', () => {
  it('serves https and wss on the one port with a self-signed certificate', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const server = await startTestServer({ tlsCert: cert, tlsKey: key });
    try {
      expect(server.app.url).toMatch(/^https:\/\//);
      const id = server.addIdentity();
      const wssUrl = server.app.url.replace('https', 'wss').replace('localhost', '127.0.0.1') + '/';
      const socket = new WebSocket(wssUrl, { ca: fs.readFileSync(cert) });
      const replies: unknown[] = [];
      socket.on('message', (d) => replies.push(JSON.parse(d.toString())));
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      socket.send(JSON.stringify({ action: 'ping', auth_token: id.token, request_id: 'tls-1' }));
      await pollUntil('the pong over wss', () => (replies.length > 0 ? true : undefined));
      expect(replies[0]).toMatchObject({ request_id: 'tls-1', status: 'success', data: { response: 'pong' } });
      socket.close();
      await pollUntil('RabbitMQ to be connected', () => (server.app.bus.ready ? true : undefined));
      // Plain HTTP on the TLS port is refused.
      await expect(fetch(server.url + '/healthz')).rejects.toThrow();
      // The container's HEALTHCHECK speaks https when EH_TLS_CERT is set.
      expect(await dockerHealthcheck({ EH_PORT: portOf(server), EH_TLS_CERT: cert })).toBe(0);
      expect(await dockerHealthcheck({ EH_PORT: portOf(server) })).toBe(1);
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
