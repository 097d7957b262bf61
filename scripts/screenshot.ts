// Produces docs/demo-page.png from the real page: starts the bridge in demo mode (needs RabbitMQ),
// drives the page in headless Chromium (connect, subscribe, simulate a call) and captures it.
import fs from 'node:fs';
import path from 'node:path';
import { startApp } from '../src/app';
import { loadConfig, PROJECT_ROOT } from '../src/config';
import { createLogger } from '../src/ops/logger';
import { launchBrowser } from '../test/helpers/browser';
import { DemoPage } from '../test/helpers/demo-page';

const OUT = path.join(PROJECT_ROOT, 'docs', 'demo-page.png');

async function main(): Promise<void> {
  const config = loadConfig(['--demo', '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn'], process.env);
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
  } finally {
    await browser.close();
    await app.stop();
  }
}

main().catch((err) => {
  console.error(`screenshot: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
