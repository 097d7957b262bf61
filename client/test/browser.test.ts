// The browser bundle in headless Chromium against the real bridge: the library served at
// /vendor/event-horizon-client.js, and the demo page built on it showing the server's own close.
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../test/helpers/browser';
import { DemoPage } from '../../test/helpers/demo-page';
import { KazooPublisher } from '../../test/helpers/kazoo';
import { startTestServer, TestServer } from '../../test/helpers/server';
import { newCallId } from '../../test/helpers/ids';

declare const document: { getElementById(id: string): { textContent: string | null } | null };
interface PageWindow {
  EHC?: unknown;
  seen?: string[];
  state?: string[];
}
declare const window: PageWindow;

let browser: Browser;
let kazoo: KazooPublisher;
let server: TestServer | undefined;
const pages: Page[] = [];

beforeAll(async () => {
  [browser, kazoo] = await Promise.all([launchBrowser(), KazooPublisher.connect()]);
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map((p) => p.close()));
  await server?.stop();
  server = undefined;
});
afterAll(async () => {
  await browser?.close();
  await kazoo?.close();
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  pages.push(page);
  return page;
}

describe('the browser bundle', () => {
  it('subscribes before the socket opens and hands the typed call events to the handler', async () => {
    server = await startTestServer({ demo: true });
    const id = server.addIdentity();
    const page = await newPage();
    await page.goto(server.url + '/');
    // The bundle as an application loads it: an ES module from the bridge itself.
    await page.addScriptTag({ type: 'module', content: "import * as lib from '/vendor/event-horizon-client.js'; window.EHC = lib;" });
    await page.waitForFunction(() => window.EHC);
    await page.evaluate(
      async ([token, accountId]) => {
        const lib = window.EHC as { EventHorizonClient: new (o: object) => { on(e: string, f: (a: { state: string }) => void): void; subscribe(a: string, b: string, h: (e: { data: { caller_id_number: string; call_id: string } }) => void): { ready: Promise<void> }; connect(): void } };
        const client = new lib.EventHorizonClient({ url: `ws://${(globalThis as unknown as { location: { host: string } }).location.host}/`, getToken: () => token });
        window.seen = [];
        window.state = [];
        client.on('state', (s) => window.state!.push(s.state));
        const off = client.subscribe(accountId, 'call.CHANNEL_CREATE.*', (e) => window.seen!.push(`${e.data.call_id} ${e.data.caller_id_number}`));
        client.connect();
        await off.ready;
      },
      [id.token, id.accountId] as const,
    );
    const callId = newCallId();
    await kazoo.call('CHANNEL_CREATE', id.accountId, callId);
    const seen = await page.waitForFunction(() => (window.seen && window.seen.length > 0 ? window.seen : undefined));
    expect(await seen.jsonValue()).toEqual([expect.stringMatching(new RegExp(`^${callId.replace('.', '\\.')} \\S+$`))]);
    expect(await page.evaluate(() => window.state)).toEqual(['connecting', 'open']);
  });
});

describe('the demo page on the library', () => {
  it('shows the close code and reason the server sent at shutdown, not the failed retry, and logs closes as frames', async () => {
    server = await startTestServer({ demo: true });
    const id = server.addIdentity();
    const demo = new DemoPage(await newPage());
    await demo.open(server.url);
    await demo.connect('websocket', id.token, id.accountId);
    await demo.subscribe('call.*.*');

    await server.stop();
    server = undefined;
    await demo.waitState('reconnecting');
    // Wait for a retry to have failed (the browser reports those as 1006).
    await demo.page.waitForFunction(() => /attempt [3-9]/.test(document.getElementById('state-text')!.textContent ?? ''), undefined, { timeout: 10000 });
    const state = (await demo.page.textContent('#state-text')) ?? '';
    expect(state).toContain('server closed the connection: 1001 server shutting down');
    expect(state).not.toContain('1006');
    const closes = (await demo.frames()).filter((f) => f.direction === 'close').map((f) => f.text);
    expect(closes[0]).toBe('server closed the connection: 1001 server shutting down');
    expect(closes.slice(1)).toEqual(expect.arrayContaining([expect.stringMatching(/^connection attempt failed \(1006/)]));
  });
});
