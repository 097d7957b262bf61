// Launches Debian's Chromium headless through playwright-core, with the flags this network needs.
import fs from 'node:fs';
import { chromium, Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env['EH_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * A headless Chromium; fails loudly when Chromium is not installed (scripts/services.sh installs it).
 * @example const browser = await launchBrowser(); const page = await browser.newPage();
 */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run scripts/services.sh (it installs Debian's chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}
