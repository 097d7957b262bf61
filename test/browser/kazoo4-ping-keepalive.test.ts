// KAZOO 4.3's ping.md keepalive page in Chromium: it pings with no token on a socket that subscribed,
// and must stay "up" (a pong within a second, every cycle) while its subscription keeps delivering.
// The hold is several short cycles here; EH_PING_HOLD_MS=120000 EH_PING_INTERVAL_MS=5000 runs the 2 minutes.
import { newCallId } from '../helpers/ids';
import { fixturePage, recordConsole, useSeedPageSuite } from '../helpers/seed-page-suite';
import { pollUntil, waitUntil } from '../helpers/wait';

const HOLD_MS = Number(process.env['EH_PING_HOLD_MS'] ?? 4000);
const INTERVAL_MS = Number(process.env['EH_PING_INTERVAL_MS'] ?? 250);

const suite = useSeedPageSuite();

it(`stays up for ${HOLD_MS} ms of token-less pings every ${INTERVAL_MS} ms, and keeps receiving events`, async () => {
  const { server, kazoo, browser } = suite;
  const { token, accountId } = server.addIdentity();
  const html = fixturePage('kazoo4-ping-page.html', {
    '{BLACKHOLE_HOST}': `127.0.0.1:${server.app.port}`,
    '{AUTH_TOKEN}': token,
    '{ACCOUNT_ID}': accountId,
    '{PING_INTERVAL_MS}': String(INTERVAL_MS),
  });
  const page = await browser.newPage();
  const { entries: logged, onChange } = recordConsole(page, (msg) => msg.text());
  try {
    await page.setContent(html);
    await waitUntil('the subscribe reply', () => logged.find((l) => l.startsWith('subscribe ')), onChange, 10000);
    expect(logged).toContain('subscribe success');
    const started = Date.now();
    await pollUntil('the hold', () => (Date.now() - started >= HOLD_MS ? true : undefined), HOLD_MS + 1000, 100);
    // Let the last ping's one-second verdict come in before counting.
    await pollUntil('the last verdict', () => (Date.now() - started >= HOLD_MS + 1100 ? true : undefined), 2000, 100);
    const pongs = Number(await page.textContent('#pongs'));
    const cycles = Math.floor(HOLD_MS / INTERVAL_MS);
    expect(pongs).toBeGreaterThanOrEqual(cycles - 1);
    expect(logged.filter((l) => l === 'Socket is down!')).toEqual([]);
    expect(await page.textContent('#downs')).toBe('0');

    const callId = newCallId();
    await kazoo.call('CHANNEL_CREATE', accountId, callId);
    await waitUntil('the event after the keepalives', () => (logged.includes(`event ${callId}`) ? true : undefined), onChange, 5000);
  } finally {
    await page.close();
  }
}, HOLD_MS + 30000);
