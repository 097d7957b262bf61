// Produces docs/demo-page.png and docs/admin-console.png from the real pages: starts the bridge in demo
// mode (needs RabbitMQ), drives the demo page in headless Chromium (connect, subscribe, simulate calls)
// and captures it, then captures the operator console while that client is connected.
import fs from 'node:fs';
import path from 'node:path';
import { startApp } from '../src/app';
import { loadConfig, PROJECT_ROOT } from '../src/config';
import { createLogger } from '../src/ops/logger';
import { launchBrowser } from '../test/helpers/browser';
import { DemoPage } from '../test/helpers/demo-page';
import { AdminPage } from '../test/helpers/admin-page';

const OUT = path.join(PROJECT_ROOT, 'docs', 'demo-page.png');
const CONSOLE_OUT = path.join(PROJECT_ROOT, 'docs', 'admin-console.png');
const ADMIN_TOKEN = 'screenshot-admin-token-0123456789';

async function main(): Promise<void> {
  const config = loadConfig(['--demo', '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', '--admin-token', ADMIN_TOKEN], process.env);
  const app = await startApp(config, createLogger(config.logLevel, false));
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1 });
    const demo = new DemoPage(page, 15000);
    await demo.open(`http://localhost:${app.port}`);
    await demo.connect('websocket');
    await demo.subscribe('call.*.*');
    await demo.waitRtt();
    const callId = await demo.simulateCall();
    await demo.waitCallEvents(callId, 3);
    // Show one payload the way a person would: open the CHANNEL_CREATE row.
    await demo.expandEvent('CHANNEL_CREATE');
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    await page.screenshot({ path: OUT, fullPage: true });
    console.log(`wrote ${path.relative(process.cwd(), OUT)}`);

    // The console, with the demo page's client still connected and a few more calls on the charts.
    const consolePage = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const admin = new AdminPage(consolePage, 15000);
    await admin.open(`http://localhost:${app.port}`);
    await admin.signIn(ADMIN_TOKEN);
    await admin.waitLive();
    for (let i = 0; i < 3; i++) await demo.waitCallEvents(await demo.simulateCall(), 3);
    await admin.waitChart('chart-events', 0);
    await admin.waitChart('chart-connections', 0);
    await consolePage.screenshot({ path: CONSOLE_OUT, fullPage: true });
    console.log(`wrote ${path.relative(process.cwd(), CONSOLE_OUT)}`);
  } finally {
    await browser.close();
    await app.stop();
  }
}

main().catch((err) => {
  console.error(`screenshot: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
