// The KAZOO 3.x page of seed 002, unchanged but for its script src, address and ids, in headless Chromium:
// served from another origin (as KAZOO UIs were), it subscribes and logs the call events KAZOO publishes.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, ConsoleMessage } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { Inbox } from '../helpers/inbox';
import { newCallId } from '../helpers/ids';
import { KazooPublisher } from '../helpers/kazoo';
import { pollUntil } from '../helpers/wait';
import { startTestServer, TestIdentity, TestServer } from '../helpers/server';

const PAGE = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'seed-002-kazoo-3x-page.html'), 'utf8');
const SEED_BINDINGS = ['call.CHANNEL_CREATE.*', 'call.CHANNEL_ANSWER.*', 'call.CHANNEL_DESTROY.*', 'conference.event.*'];

let server: TestServer;
let kazoo: KazooPublisher;
let browser: Browser;
let pageHost: http.Server;
let pageOrigin: string;
/** The page for the next request: the seed with this run's address and ids (and, for one test, a transport list). */
let currentPage = '';

beforeAll(async () => {
  [server, kazoo, browser] = await Promise.all([startTestServer(), KazooPublisher.connect(), launchBrowser()]);
  pageHost = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(currentPage);
  });
  await new Promise<void>((resolve) => pageHost.listen(0, '127.0.0.1', resolve));
  // "localhost" vs the bridge's "127.0.0.1": a different origin, so the page's XHRs are cross-origin with credentials.
  pageOrigin = `http://localhost:${(pageHost.address() as AddressInfo).port}`;
}, 60_000); // Chromium's first start can be slow on a busy machine
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pageHost?.close(resolve));
  await kazoo?.close();
  await server?.stop();
});

function seedPage(identity: TestIdentity, transports?: string[]): string {
  let html = PAGE.replaceAll('{{EH_URL}}', server.url).replaceAll('{{ACCOUNT_ID}}', identity.accountId).replaceAll('{{AUTH_TOKEN}}', identity.token);
  if (transports) {
    // The only addition: restrict the client's transports before the page connects.
    html = html.replace('</script>', `</script>\n    <script>io.transports = ${JSON.stringify(transports)};</script>`);
  }
  return html;
}

/** The session the page opened, once it holds all four seed bindings. */
function seedSessionOf(accountId: string) {
  return [...server.app.hub.sessions].find(
    (s) => s.transport.generation === 'socketio-legacy' && SEED_BINDINGS.every((b) => s.held.has(`${accountId}/${b}`)),
  );
}

it.each([
  ['websocket', undefined],
  ['xhr-polling', ['xhr-polling']],
  ['jsonp-polling', ['jsonp-polling']],
])('seed 002 over %s: subscribes to the four bindings and logs CHANNEL_CREATE, CHANNEL_ANSWER, CHANNEL_DESTROY', async (transport, transports) => {
  const identity = server.addIdentity();
  currentPage = seedPage(identity, transports);
  const page = await browser.newPage();
  const logged = new Inbox();
  page.on('console', (msg: ConsoleMessage) => {
    void Promise.all(msg.args().map((a) => a.jsonValue())).then((args) => logged.push({ name: msg.type(), data: args[0] }));
  });
  page.on('pageerror', (err) => logged.push({ name: 'pageerror', data: err.message }));
  try {
    // Not the load event: Chromium holds it while a JSONP long-poll <script> inserted before load is pending,
    // and 0.9's jsonp-polling only defers its first poll until load in Firefox. The page runs from its inline script.
    await page.goto(pageOrigin, { waitUntil: 'domcontentloaded' });
    await pollUntil('the page to hold the four seed bindings', () => seedSessionOf(identity.accountId), 10000);
    // As the page's subscribe replies do: wait until RabbitMQ routes to every binding.
    await Promise.all(SEED_BINDINGS.map((b) => server.app.hub.index.get(`${identity.accountId}/${b}`)!.ready));
    expect(await page.evaluate('socket.socket.transport.name')).toBe(transport);

    const callId = newCallId();
    const published = [];
    for (const name of ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_DESTROY'] as const) published.push(await kazoo.call(name, identity.accountId, callId));
    const logs = await logged.waitCount('the three call events in the console', (i) => (i.data as Record<string, unknown> | undefined)?.['Call-ID'] === callId, 3, 10000);
    expect(logs.map((i) => i.data)).toEqual(published);
    expect(logged.filter((i) => i.name === 'pageerror')).toEqual([]);
  } finally {
    await page.close();
  }
});
