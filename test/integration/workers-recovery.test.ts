// Missed-event recovery on a machine of two workers without Redis: every worker sets an affinity cookie,
// and the primary routes a connection carrying it to that worker, so a reconnect reaches the worker that
// parked what its client missed. A raw WebSocket `resume` and a Socket.IO v4 reconnect through the
// machine get every event published while they were away, once and in order; the same reconnect sent to
// the other worker (its cookie) is told it is not recovered; Chromium keeps the cookie from a 101
// response and sends it back, so a browser's reconnects land where they must.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EventMessage, WsClient } from '../helpers/clients';
import { startBridgeProcess, NodeProcess } from '../helpers/cluster-nodes';
import { KazooPublisher } from '../helpers/kazoo';
import { newAccountId, newCallId, newToken } from '../helpers/ids';
import { pollUntil } from '../helpers/wait';
import { callTallyV4 } from '../helpers/call-tally-v4';
import { launchBrowser } from '../helpers/browser';
import { TcpProxy } from '../helpers/tcp-proxy';

jest.setTimeout(120_000);

const BINDING = 'call.CHANNEL_CREATE.*';
const AWAY = 200;
const UNKNOWN = 'resume token unknown or expired: subscribe again';
const ids = Array.from({ length: 4 }, () => ({ token: newToken(), accountId: newAccountId() }));
let dir: string;
let machine: NodeProcess;
let kazoo: KazooPublisher;
const closers: Array<() => unknown> = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-workers-recovery-'));
  const tokensFile = path.join(dir, 'tokens.json');
  fs.writeFileSync(tokensFile, JSON.stringify({ tokens: Object.fromEntries(ids.map((id) => [id.token, { account_id: id.accountId, descendants: [] }])) }));
  const env: NodeJS.ProcessEnv = { ...process.env, EH_WORKERS: '2', EH_TOKENS_FILE: tokensFile, EH_RECOVERY_WINDOW_MS: '60000', EH_LOG_LEVEL: 'info' };
  delete env['EH_REDIS_URL'];
  machine = await startBridgeProcess(env, 60_000);
  kazoo = await KazooPublisher.connect();
});

afterAll(async () => {
  for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  await kazoo?.close();
  await machine?.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
});

const wsUrl = () => machine.url.replace(/^http/, 'ws') + '/';

/** The worker an affinity cookie (or `Set-Cookie` value) names. */
function workerOf(cookie: string | undefined): number {
  const m = /^eh_worker=(\d+)(?:;|$)/.exec(cookie ?? '');
  if (!m) throw new Error(`no affinity cookie in ${String(cookie)}`);
  return Number(m[1]);
}

async function ws(cookie?: string): Promise<WsClient> {
  const c = await WsClient.connect(wsUrl(), cookie ? { headers: { Cookie: cookie } } : {});
  closers.push(() => c.close());
  return c;
}

/** The account's live connections on the whole machine (parked ones are not listed). */
async function listed(id: { token: string; accountId: string }): Promise<number> {
  const res = await fetch(`${machine.url}/v2/accounts/${id.accountId}/websockets`, { headers: { 'X-Auth-Token': id.token } });
  return ((await res.json()) as { data: unknown[] }).data.length;
}

async function publish(accountId: string, callId: string, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq++) await kazoo.call('CHANNEL_CREATE', accountId, callId, { Seq: seq });
}

const seqs = (events: EventMessage[], callId: string) => events.filter((e) => e.data['call_id'] === callId).map((e) => e.data['seq'] as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

it('sets the affinity cookie on HTTP responses and WebSocket upgrades of both workers', async () => {
  const seen = new Set<number>();
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${machine.url}/healthz`);
    seen.add(workerOf(res.headers.get('set-cookie') ?? undefined));
    seen.add(workerOf((await ws()).setCookie));
  }
  expect([...seen].sort()).toEqual([0, 1]);
});

it('a raw WebSocket client that carries its cookie resumes on its worker, twice, with every missed event once; sent to the other worker it is not', async () => {
  const id = ids[0]!;
  const callId = newCallId();
  const first = await ws();
  const cookie = first.setCookie!.split(';')[0]!;
  const home = workerOf(cookie);
  let token = (await first.subscribe(id.token, id.accountId, BINDING)).data['resume_token'] as string;
  await publish(id.accountId, callId, 0, 0);
  await first.waitEvents('the first event', (e) => e.data['call_id'] === callId);
  let current = first;
  let received = seqs(first.events(), callId);
  for (let round = 1; round <= 2; round++) {
    current.socket.terminate();
    await pollUntil('the connection parked', async () => ((await listed(id)) === 0 ? true : undefined), 10_000, 100);
    const from = round * AWAY - AWAY + 1;
    await publish(id.accountId, callId, from, round * AWAY);
    // The other worker does not hold the session: what a reconnect without the cookie may meet.
    const elsewhere = await ws(`eh_worker=${1 - home}`);
    expect(workerOf(elsewhere.setCookie)).toBe(1 - home);
    expect((await elsewhere.request({ action: 'resume', auth_token: id.token, data: { resume_token: token } })).data.errors).toEqual([UNKNOWN]);
    await elsewhere.close();

    const back = await ws(cookie);
    expect(workerOf(back.setCookie)).toBe(home);
    const resumed = await back.request({ action: 'resume', auth_token: id.token, data: { resume_token: token } }, 15_000);
    expect(resumed).toMatchObject({ status: 'success', data: { subscribed: [BINDING], recovered: true, missed: AWAY } });
    token = resumed.data['resume_token'] as string;
    await back.waitEvents('the missed events', (e) => e.data['call_id'] === callId, AWAY, 30_000);
    received = received.concat(seqs(back.events(), callId));
    current = back;
  }
  await publish(id.accountId, callId, 2 * AWAY + 1, 2 * AWAY + 1);
  await current.waitEvents('the live event', (e) => e.data['seq'] === 2 * AWAY + 1);
  received = received.concat(seqs(current.events(), callId).filter((s) => s > 2 * AWAY));
  expect(received).toEqual(range(0, 2 * AWAY + 1));
});

it('a Socket.IO v4 client that carries its cookie recovers its connection state on its worker; led to the other one it is told it was not', async () => {
  const id = ids[1]!;
  const callId = newCallId();
  const cookie = (await ws()).setCookie!.split(';')[0]!;
  const headers = { Cookie: cookie };
  const { socket, named, messages } = await callTallyV4(machine.url, callId, headers);
  closers.push(() => socket.close());
  expect(await socket.emitWithAck('subscribe', { account_id: id.accountId, auth_token: id.token, binding: BINDING })).toMatchObject({ status: 'success' });
  await publish(id.accountId, callId, 0, 0);
  await pollUntil('the first event', () => (messages.length === 1 && named.length === 1 ? true : undefined));
  // The last packet before the drop is a reply (socket.io writes it through the adapter): its offset must be the history's.
  const pong = new Promise<void>((resolve) => socket.on('message', (m: { action?: string; request_id?: string }) => m.action === 'reply' && m.request_id === 'ping-1' && resolve()));
  socket.emit('message', { action: 'ping', request_id: 'ping-1' });
  await pong;

  const dropAndReturn = async (from: number, to: number): Promise<void> => {
    socket.io.reconnection(false);
    socket.io.engine.close();
    await pollUntil('the transport gone', async () => ((await listed(id)) === 0 ? true : undefined), 10_000, 100);
    await publish(id.accountId, callId, from, to);
    const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.io.reconnection(true);
    socket.connect();
    await reconnected;
  };
  await dropAndReturn(1, AWAY);
  expect(socket.recovered).toBe(true);
  await publish(id.accountId, callId, AWAY + 1, AWAY + 1);
  await pollUntil('every event, missed and live', () => (messages.includes(AWAY + 1) && named.includes(AWAY + 1) ? true : undefined), 30_000);
  expect(messages).toEqual(range(0, AWAY + 1));
  expect(named).toEqual(range(0, AWAY + 1));

  // The same client led to the other worker: a fresh socket there, which must subscribe again.
  headers.Cookie = `eh_worker=${1 - workerOf(cookie)}`;
  await dropAndReturn(AWAY + 2, AWAY + 3);
  expect(socket.recovered).toBe(false);
  expect(messages).toEqual(range(0, AWAY + 1));
});

it('Chromium keeps the cookie of a 101 response and its reconnects after a dropped connection resume on that worker', async () => {
  const id = ids[2]!;
  const callId = newCallId();
  // The page's connections go through a proxy whose TCP connections the test cuts (a network drop: no close frame).
  const proxy = await TcpProxy.start(machine.port);
  closers.push(() => proxy.close());
  const viaProxy = `ws://127.0.0.1:${proxy.port}/`;
  const browser = await launchBrowser();
  closers.push(() => browser.close());
  // The page comes from another server of the same site, as Monster UI does: only the upgrades reach the bridge.
  const site = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>app</title>'));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => site.close(resolve)));
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
  /** Opens a WebSocket in the page (kept as `last` on the page's global), sends one request and returns its reply. */
  const openAndAsk = (request: Record<string, unknown>) =>
    page.evaluate(async ({ url, request }) => {
      const w = globalThis as unknown as { last?: { ws: WebSocket; inbox: Array<Record<string, unknown>> } };
      const ws = new WebSocket(url);
      const inbox: Array<Record<string, unknown>> = [];
      ws.onmessage = (e) => inbox.push(JSON.parse(e.data as string) as Record<string, unknown>);
      const last: { ws: WebSocket; inbox: typeof inbox; closed?: number } = { ws, inbox };
      ws.onclose = (e) => (last.closed = e.code);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('websocket error'));
      });
      w.last = last;
      ws.send(JSON.stringify(request));
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const reply = inbox.find((m) => m['action'] === 'reply' && m['request_id'] === request['request_id']);
        if (reply) return reply;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no reply; got ${JSON.stringify(inbox).slice(0, 500)}; state ${ws.readyState}`);
    }, { url: viaProxy, request });
  const events = () => page.evaluate(() => (globalThis as unknown as { last: { inbox: Array<{ action?: string; data?: { seq?: number } }> } }).last.inbox.filter((m) => m.action === 'event').map((m) => m.data!.seq!));
  const closeCode = () => page.evaluate(() => (globalThis as unknown as { last: { closed?: number } }).last.closed);
  const subscribed = (await openAndAsk({ action: 'subscribe', auth_token: id.token, request_id: 'sub', data: { account_id: id.accountId, binding: BINDING } })) as { status: string; data: { resume_token: string } };
  expect(subscribed.status).toBe('success');
  const cookies = await context.cookies();
  expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['eh_worker', true, 'Lax']]);
  let token = subscribed.data.resume_token;
  const received: number[] = [];
  // Four reconnects in a row: round-robin alone would send some of them to the other worker.
  for (let round = 1; round <= 4; round++) {
    proxy.cutAll();
    // 1006: the page saw the connection drop, with no close frame (what parks it on the worker).
    expect(await pollUntil('the page to see the drop', async () => await closeCode(), 10_000)).toBe(1006);
    await pollUntil('the connection parked', async () => ((await listed(id)) === 0 ? true : undefined), 10_000, 100);
    await publish(id.accountId, callId, round * 10, round * 10 + 4);
    const resumed = (await openAndAsk({ action: 'resume', auth_token: id.token, request_id: `resume-${round}`, data: { resume_token: token } })) as { status: string; data: { recovered: boolean; missed: number; resume_token: string } };
    expect(resumed).toMatchObject({ status: 'success', data: { recovered: true, missed: 5 } });
    token = resumed.data.resume_token;
    await pollUntil('the missed events in the page', async () => ((await events()).length === 5 ? true : undefined), 10_000);
    received.push(...(await events()));
  }
  expect(received).toEqual([1, 2, 3, 4].flatMap((r) => range(r * 10, r * 10 + 4)));
});
