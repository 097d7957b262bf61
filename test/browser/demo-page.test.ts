// The demo page in headless Chromium, against a real bridge in demo mode and the real RabbitMQ: every
// client generation connects, subscribes, sees a simulated call, stops after unsubscribe, and comes
// back by itself (re-subscribed) when the server restarts on the same port.
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { DemoPage, PAGE_GENERATIONS, PageGeneration } from '../helpers/demo-page';
import { startTestServer, TestServer } from '../helpers/server';
import { newAccountId, newToken } from '../helpers/ids';

const CALL = ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_DESTROY'];

/** What each generation's subscribe looks like on the wire, as the raw frames panel shows it. */
const SUBSCRIBE_FRAME: Record<PageGeneration, RegExp> = {
  websocket: /^\{"action":"subscribe","auth_token":"[^"]+","request_id":"page-\d+","data":\{"account_id":"[0-9a-f]{32}","binding":"call\.\*\.\*"\}\}$/,
  'socketio-v4': /^42\["message",\{"action":"subscribe",.*"bindings":\["call\.\*\.\*"\]\}\}\]$/,
  'socketio-09': /^5:::\{"name":"subscribe","args":\[\{"auth_token":"[^"]+","account_id":"[0-9a-f]{32}","bindings":\["call\.\*\.\*"\]\}\]\}$/,
};

let server: TestServer;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startTestServer({ demo: true });
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openPage(): Promise<DemoPage> {
  const page = await browser.newPage();
  pages.push(page);
  const demo = new DemoPage(page);
  await demo.open(server.url);
  return demo;
}

describe.each(PAGE_GENERATIONS)('the demo page with the %s client', (generation) => {
  it('shows a simulated call, stops after unsubscribe, and reconnects and re-subscribes after a server restart', async () => {
    const { token, accountId } = server.addIdentity();
    const demo = await openPage();
    await demo.connect(generation, token, accountId);
    expect(await demo.waitRtt()).toBeGreaterThan(0);

    await demo.subscribe('call.*.*');
    expect(await demo.subscribeRefused('call.NOT_AN_EVENT.*')).toBe('subscribe failed: event NOT_AN_EVENT not supported');
    expect(await demo.page.getAttribute('#state', 'data-state')).toBe('connected');
    const first = await demo.simulateCall();
    expect(await demo.waitCallEvents(first, 3)).toEqual(CALL);
    expect((await demo.events()).map((e) => e.account)).toEqual([accountId, accountId, accountId]);
    const frames = await demo.frames();
    expect(frames.some((f) => f.direction === 'out' && SUBSCRIBE_FRAME[generation].test(f.text))).toBe(true);
    expect(frames.some((f) => f.direction === 'in' && f.text.includes('CHANNEL_ANSWER'))).toBe(true);

    // Unsubscribed from call.*.*, the page keeps only call.CHANNEL_DESTROY.*: the next call's DESTROY,
    // published after its CREATE and ANSWER on the same channel, proves those two are not coming.
    await demo.subscribe('call.CHANNEL_DESTROY.*');
    await demo.unsubscribe('call.*.*');
    expect(await demo.subscriptions()).toEqual([{ binding: 'call.CHANNEL_DESTROY.*', status: 'active' }]);
    const second = await demo.simulateCall();
    expect(await demo.waitCallEvents(second, 1)).toEqual(['CHANNEL_DESTROY']);
    expect(await demo.counts()).toEqual({ CHANNEL_CREATE: 1, CHANNEL_ANSWER: 1, CHANNEL_DESTROY: 2 });

    // Restart the bridge on the same port: the page notices, reconnects and re-subscribes by itself.
    const port = server.app.port;
    await server.stop();
    await demo.waitState('reconnecting');
    server = await startTestServer({ demo: true, port }, { [token]: { account_id: accountId } });
    await demo.waitState('connected', 15000);
    await demo.waitSubscription('call.CHANNEL_DESTROY.*', 'active');
    const third = await demo.simulateCall();
    expect(await demo.waitCallEvents(third, 1)).toEqual(['CHANNEL_DESTROY']);
    expect(await demo.counts()).toEqual({ CHANNEL_CREATE: 1, CHANNEL_ANSWER: 1, CHANNEL_DESTROY: 3 });
  });
});

describe('the event log', () => {
  it('keeps a binding chosen before connecting, pauses and resumes, filters, expands the JSON of an event, and clears', async () => {
    const { token, accountId } = server.addIdentity();
    const demo = await openPage();
    const { page } = demo;
    // A binding chosen before connecting waits, then is subscribed on connect.
    await page.fill('#binding', 'call.*.*');
    await page.click('#subscribe');
    await demo.waitSubscription('call.*.*', 'pending');
    await demo.connect('websocket', token, accountId);
    await demo.waitSubscription('call.*.*', 'active');

    await page.click('#pause-events');
    const callId = await demo.simulateCall();
    await page.locator('#pause-events', { hasText: 'Resume (3)' }).waitFor();
    expect(await demo.events()).toEqual([]);
    expect(await demo.counts()).toEqual({ CHANNEL_CREATE: 1, CHANNEL_ANSWER: 1, CHANNEL_DESTROY: 1 });
    await page.click('#pause-events');
    expect(await demo.waitCallEvents(callId, 3)).toEqual(CALL);

    await page.fill('#event-filter', 'channel_answer');
    expect(await page.locator('#event-log > li:visible').count()).toBe(1);
    await page.fill('#event-filter', `${accountId} no-such-text`);
    expect(await page.locator('#event-log > li:visible').count()).toBe(0);
    await page.fill('#event-filter', '');
    expect(await page.locator('#event-log > li:visible').count()).toBe(3);

    await demo.expandEvent('CHANNEL_ANSWER');
    const json = JSON.parse((await page.textContent('#event-log > li[data-name="CHANNEL_ANSWER"] pre')) ?? '');
    expect(json).toMatchObject({ action: 'event', name: 'CHANNEL_ANSWER', subscribed_key: 'call.*.*', data: { call_id: callId } });

    await page.click('#clear-events');
    expect(await demo.events()).toEqual([]);
    expect(await demo.counts()).toEqual({});
    expect(await page.textContent('#event-total')).toBe('0');
  });
});

describe('demo mode on the page', () => {
  async function pageOf(other: TestServer): Promise<DemoPage> {
    const page = await browser.newPage();
    pages.push(page);
    const demo = new DemoPage(page);
    await demo.open(other.url);
    return demo;
  }

  it('fills in the demo token and account and offers the server binding families', async () => {
    const token = newToken();
    const accountId = newAccountId();
    const demoServer = await startTestServer({ demo: true }, { [token]: { account_id: accountId } });
    try {
      const demo = await pageOf(demoServer);
      expect(await demo.page.isVisible('#simulate-call')).toBe(true);
      expect(await demo.page.inputValue('#token')).toBe(token);
      expect(await demo.page.inputValue('#account')).toBe(accountId);
      expect(await demo.page.textContent('#demo-notice')).toContain(accountId);
      const options = await demo.page.$$eval('#binding-form option', (os) => os.map((o) => (o as unknown as { value: string }).value));
      expect(options).toEqual(expect.arrayContaining(['call.*.*', 'call.{EVENT}.*', 'object.{ACTION}.{TYPE}']));
    } finally {
      await demoServer.stop();
    }
  });

  it('shows no simulate button and no token when demo mode is off', async () => {
    const token = newToken();
    const production = await startTestServer({ demo: false }, { [token]: { account_id: newAccountId() } });
    try {
      const demo = await pageOf(production);
      expect(await demo.page.isVisible('#demo-panel')).toBe(false);
      expect(await demo.page.inputValue('#token')).toBe('');
    } finally {
      await production.stop();
    }
  });
});
