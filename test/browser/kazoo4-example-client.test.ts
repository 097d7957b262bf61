// The KAZOO 4.x Blackhole example client (seed 000), placeholders filled and nothing else changed,
// runs in headless Chromium against the bridge and logs live call events.
import { newCallId } from '../helpers/ids';
import { fixturePage, recordConsole, useSeedPageSuite } from '../helpers/seed-page-suite';
import { waitUntil } from '../helpers/wait';
import { encodeKeyPart } from '../../src/bindings/key-encoding';

const suite = useSeedPageSuite();

it('subscribes with the example page and receives live call events', async () => {
  const { server, kazoo, browser } = suite;
  const { token, accountId } = server.addIdentity();
  const html = fixturePage('kazoo4-example-client.html', {
    '{BLACKHOLE_IP_ADDRESS}:5555': `127.0.0.1:${server.app.port}`,
    '{AUTH_TOKEN}': token,
    '{REQUEST_ID}': accountId,
    '{ACCOUNT_ID}': accountId,
    '{CONFERENCE_ID}': 'conference-1',
  });
  const page = await browser.newPage();
  const { entries: logged, onChange } = recordConsole(page, async (msg) => {
    const value: unknown = await msg.args()[0]?.jsonValue().catch(() => undefined);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  });
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
