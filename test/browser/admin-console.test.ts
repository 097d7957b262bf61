// The operator console in headless Chromium against a real bridge and the real RabbitMQ: it refuses
// without the admin token, and with it shows real clients and a simulated call moving the charts,
// lists and details connections, tails an account as its own client would, and disconnects one;
// all without a console error or a single request leaving the bridge.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { AdminPage } from '../helpers/admin-page';
import { launchBrowser } from '../helpers/browser';
import { SocketIoV4Client, WsClient } from '../helpers/clients';
import { newCallId } from '../helpers/ids';
import { KazooPublisher } from '../helpers/kazoo';
import { startTestServer, TestServer } from '../helpers/server';
import { pollUntil } from '../helpers/wait';

const ADMIN = `admin-${randomBytes(12).toString('hex')}`;
let server: TestServer;
let browser: Browser;
let kazoo: KazooPublisher;
const open: Array<{ close(): unknown }> = [];

interface Watched {
  page: Page;
  errors: string[];
  outside: string[];
}

beforeAll(async () => {
  [browser, server, kazoo] = await Promise.all([launchBrowser(), startTestServer({ adminToken: ADMIN }), KazooPublisher.connect()]);
});
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  await browser?.close();
  await Promise.all([server?.stop(), kazoo?.close()]);
});

/** A fresh page whose console errors and requests to anywhere but the bridge are recorded (and the latter refused). */
async function watchedPage(viewport = { width: 1280, height: 800 }): Promise<Watched> {
  const context: BrowserContext = await browser.newContext({ viewport });
  open.push(context);
  const page = await context.newPage();
  const own = new URL(server.url).host;
  const watched: Watched = { page, errors: [], outside: [] };
  page.on('console', (m) => m.type() === 'error' && watched.errors.push(m.text()));
  page.on('pageerror', (err) => watched.errors.push(err.message));
  page.on('websocket', (ws) => new URL(ws.url()).host !== own && watched.outside.push(ws.url()));
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === own) return route.continue();
    watched.outside.push(url.href);
    return route.abort();
  });
  return watched;
}

/** Publishes a call's three events every 150 ms until stopped. */
function simulateCalls(accountId: string): () => void {
  const timer = setInterval(() => {
    const callId = newCallId();
    void (async () => {
      for (const name of ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_DESTROY'] as const) await kazoo.call(name, accountId, callId).catch(() => undefined);
    })();
  }, 150);
  return () => clearInterval(timer);
}

it('refuses to open without the right admin token and says why', async () => {
  const { page, outside } = await watchedPage();
  const admin = new AdminPage(page);
  await admin.open(server.url);
  expect(await admin.isSignedIn()).toBe(false);
  await admin.signIn('not-the-admin-token');
  expect(await admin.loginError()).toMatch(/admin token was refused \(401\)/);
  expect(await admin.isSignedIn()).toBe(false);
  expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length)).toBe(0);
  expect(outside).toEqual([]);
});

it('shows live traffic, connections, rooms and a tail, disconnects a connection, with no error and nothing fetched from outside', async () => {
  const { token, accountId } = server.addIdentity();
  const stranger = server.addIdentity();
  const ws = await WsClient.connect(server.url);
  const sio = await SocketIoV4Client.connect(server.url);
  open.push(ws, sio);
  expect((await ws.subscribe(token, accountId, 'call.*.*')).status).toBe('success');
  expect((await sio.subscribe(token, accountId, ['call.*.*', 'call.CHANNEL_DESTROY.*'])).status).toBe('success');

  const { page, errors, outside } = await watchedPage();
  const admin = new AdminPage(page);
  await admin.open(server.url);
  await admin.signIn(ADMIN);
  await admin.waitLive();
  expect(await page.locator('#node-name').textContent()).toBe(server.app.cluster.node);

  const before = await admin.chartLine('chart-events');
  const stop = simulateCalls(accountId);
  try {
    expect(await admin.waitChart('chart-events', 0)).toBeGreaterThan(0);
    expect(await admin.chartLine('chart-events')).not.toBe(before);
    expect(await admin.waitChart('chart-latency', 0)).toBeGreaterThan(0);
    expect(await admin.waitChart('chart-connections', 1)).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#tile-events-in').textContent()).toMatch(/^[\d.,]+ \/s$/);
    expect(await page.locator('#tile-p99').textContent()).toMatch(/ ms$|^no events$/);

    await pollUntil('the account\'s rooms with their members and rates', async () => {
      const rows = (await admin.rooms()).filter((r) => r[0]!.includes(accountId));
      return rows.length === 2 && rows.some((r) => r[1] === 'call.*.*' && r[2] === '2 conn' && r[3] !== '0 /s') ? rows : undefined;
    }, 10000);

    // The tail is a client of the account: its own token sees the calls, another account's is refused.
    await admin.startTail(accountId, 'call.*.*', stranger.token);
    expect(await admin.tailState(/^Refused: /)).toMatch(/unauthorized|not allowed|access/i);
    await admin.startTail(accountId, 'call.CHANNEL_ANSWER.*', token);
    await admin.tailState(/^Live: /);
    expect(new Set(await admin.tailEvents())).toEqual(new Set(['CHANNEL_ANSWER']));
    await admin.stopTail();
  } finally {
    stop();
  }

  const rows = await admin.searchConnections(accountId, 2);
  const wsSession = [...server.app.hub.sessions].find((s) => s.transport.generation === 'websocket' && [...s.held.values()].some((h) => h.accountId === accountId))!;
  expect(rows).toContain(wsSession.id);
  expect(await admin.searchConnections(`${accountId.slice(0, 12)}`, 2)).toEqual(rows);
  await page.locator('#connections-generation').selectOption('socketio');
  expect(await admin.searchConnections(accountId, 1)).not.toContain(wsSession.id);
  await page.locator('#connections-generation').selectOption('');
  await admin.searchConnections(accountId, 2);

  const detail = await admin.openDetail(wsSession.id);
  expect(detail).toMatchObject({ Generation: 'WebSocket', 'Client IP': '127.0.0.1', 'Token expires': expect.stringMatching(/^no expiry/) });
  expect(detail['Buffered']).toMatch(/^\d[\d.,]* (B|KiB|MiB)$/);
  expect(detail['Age']).toMatch(/^\d+ (s|min)/);
  expect(await admin.detailSubscriptions()).toEqual([expect.stringContaining('call.*.*')]);

  const closed = new Promise<number>((resolve) => ws.socket.once('close', (code: number) => resolve(code)));
  expect(await admin.disconnect('console test')).toMatch(/^Disconnected .*logged/);
  expect(await closed).toBe(4010);
  expect(await admin.searchConnections(accountId, 1)).not.toContain(wsSession.id);

  // Escape inside the detail closes it and gives the focus back to the search (the row is gone).
  await page.locator('#disconnect-reason').focus();
  await page.keyboard.press('Escape');
  expect(await page.locator('#connection-detail').isHidden()).toBe(true);
  expect(await admin.focused()).toBe('connections-q');

  expect(errors).toEqual([]);
  expect(outside).toEqual([]);
});

it('labels every chart axis with numbers and units, none cut off, also for flat series', async () => {
  const { token, accountId } = server.addIdentity();
  const ws = await WsClient.connect(server.url);
  open.push(ws);
  // A flat, non-zero series: bindings and connections stay put while nothing else moves.
  expect((await ws.subscribe(token, accountId, ['call.CHANNEL_CREATE.*', 'call.CHANNEL_ANSWER.*', 'call.CHANNEL_DESTROY.*'])).status).toBe('success');
  const { page, errors, outside } = await watchedPage();
  const admin = new AdminPage(page);
  await admin.open(server.url);
  await admin.signIn(ADMIN);
  await admin.waitLive();
  await admin.waitChart('chart-bindings', 2);
  const units: Record<string, RegExp> = {
    'chart-events': / \/s$/, 'chart-connections': / conn$/, 'chart-latency': / ms$/,
    'chart-bindings': / bindings$/, 'chart-slow': / \/s$/, 'chart-refusals': / \/s$/,
  };
  for (const [id, unit] of Object.entries(units)) {
    const labels = await admin.axisLabels(id);
    expect(labels).toHaveLength(3);
    for (const label of labels) {
      expect({ id, text: label.text }).toEqual({ id, text: expect.stringMatching(/^\d[\d,.]* \S/) });
      expect(label.text).toMatch(unit);
      expect({ id, text: label.text, cut: label.left < 0 }).toEqual({ id, text: label.text, cut: false });
    }
    // Three different ticks, from 0 up (never "1 conn" twice).
    expect(new Set(labels.map((l) => l.text)).size).toBe(3);
  }
  expect(errors).toEqual([]);
  expect(outside).toEqual([]);
});

it('is usable by keyboard and fits a phone width without sideways scrolling', async () => {
  const { page, errors, outside } = await watchedPage({ width: 390, height: 844 });
  const admin = new AdminPage(page);
  await admin.open(server.url);
  // The token field has the focus on arrival; once signed in, Tab from the top reaches the skip link first.
  expect(await admin.focused()).toBe('admin-token');
  await admin.signIn(ADMIN);
  await admin.waitLive();
  // A reload keeps the tab's sign-in (session storage) and starts with nothing focused.
  await page.reload();
  await admin.waitLive();
  await page.keyboard.press('Tab');
  expect(await admin.focused()).toBe('skip');
  await page.keyboard.press('Enter');
  expect(await admin.focused()).toBe('main');
  await page.waitForSelector('#nodes-body tr');
  const overflow = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);
  expect(await page.locator('#chart-events').isVisible()).toBe(true);
  expect(errors).toEqual([]);
  expect(outside).toEqual([]);
});
