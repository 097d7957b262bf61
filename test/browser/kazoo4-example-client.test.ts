// The KAZOO 4.x Blackhole example client (seed 000), placeholders filled and nothing else changed,
// runs in headless Chromium against the bridge and logs live call events.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { KazooPublisher } from '../helpers/kazoo';
import { newCallId } from '../helpers/ids';
import { startTestServer, TestServer } from '../helpers/server';
import { waitUntil } from '../helpers/wait';
import { encodeKeyPart } from '../../src/bindings/key-encoding';

let server: TestServer;
let kazoo: KazooPublisher;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  kazoo = await KazooPublisher.connect();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await kazoo.close();
  await server.stop();
});

it('subscribes with the example page and receives live call events', async () => {
  const { token, accountId } = server.addIdentity();
  const template = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'kazoo4-example-client.html'), 'utf8');
  const html = template
    .replace('{BLACKHOLE_IP_ADDRESS}:5555', `127.0.0.1:${server.app.port}`)
    .replaceAll('{AUTH_TOKEN}', token)
    .replaceAll('{REQUEST_ID}', accountId)
    .replaceAll('{ACCOUNT_ID}', accountId)
    .replaceAll('{CONFERENCE_ID}', 'conference-1');
  const page = await browser.newPage();
  const logged: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  page.on('console', async (msg) => {
    const value = await msg.args()[0]?.jsonValue().catch(() => undefined);
    if (value && typeof value === 'object') {
      logged.push(value as Record<string, unknown>);
      for (const l of listeners) l();
    }
  });
  const onChange = (cb: () => void) => (listeners.add(cb), () => listeners.delete(cb));
  await page.setContent(html);

  // The page's three subscriptions all succeed (the seed's doc_created.*.user.* spelling included).
  await waitUntil('three subscribe replies', () => (logged.filter((m) => m['action'] === 'reply').length >= 3 ? true : undefined), onChange, 10000);
  const replies = logged.filter((m) => m['action'] === 'reply');
  expect(replies.map((r) => r['status'])).toEqual(['success', 'success', 'success']);
  expect(replies[2]!['data']).toEqual(expect.objectContaining({ subscribed: ['call.CHANNEL_CREATE.*', 'conference.event.conference-1.*', 'doc_created.*.user.*'] }));

  const callId = newCallId();
  await kazoo.call('CHANNEL_CREATE', accountId, callId);
  const event = await waitUntil('the CHANNEL_CREATE event in the console', () => logged.find((m) => m['action'] === 'event'), onChange, 10000);
  expect(event).toMatchObject({
    subscribed_key: 'call.CHANNEL_CREATE.*',
    name: 'CHANNEL_CREATE',
    routing_key: `call.${accountId}.CHANNEL_CREATE.${encodeKeyPart(callId)}`,
    data: { call_id: callId, event_name: 'CHANNEL_CREATE' },
  });
  await page.close();
});
