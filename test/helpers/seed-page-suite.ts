// Shared set-up of the browser tests that run a seed's own page: one bridge, one KAZOO publisher and one
// Chromium per test file, a fixture page with its placeholders filled, and the page's console as a log.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { KazooPublisher } from './kazoo';
import { startTestServer, TestServer } from './server';

export interface SeedPageSuite {
  server: TestServer;
  kazoo: KazooPublisher;
  browser: Browser;
}

/**
 * Registers beforeAll/afterAll for the file; the returned object's parts are set once beforeAll ran.
 * @example const suite = useSeedPageSuite(); it('…', async () => { const { token } = suite.server.addIdentity(); });
 */
export function useSeedPageSuite(): SeedPageSuite {
  const suite = {} as SeedPageSuite;
  beforeAll(async () => {
    [suite.server, suite.kazoo, suite.browser] = await Promise.all([startTestServer(), KazooPublisher.connect(), launchBrowser()]);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await Promise.all([suite.kazoo?.close(), suite.server?.stop()]);
  });
  return suite;
}

/**
 * A page from test/fixtures with every `{PLACEHOLDER}` (or other literal) replaced.
 * @example const html = fixturePage('kazoo4-ping-page.html', { '{AUTH_TOKEN}': token });
 */
export function fixturePage(name: string, replacements: Record<string, string>): string {
  let html = fs.readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8');
  for (const [from, to] of Object.entries(replacements)) html = html.replaceAll(from, to);
  return html;
}

/** What a page logged to its console, as `read` turns each message into an entry (undefined skips it). */
export interface ConsoleLog<T> {
  entries: T[];
  /** Subscribes to new entries, for `waitUntil`; returns the unsubscribe. */
  onChange(cb: () => void): () => void;
}

/**
 * Records a page's console messages from now on.
 * @example const log = recordConsole(page, (m) => m.text()); await waitUntil('ok', () => log.entries.find((l) => l === 'ok'), log.onChange, 5000);
 */
export function recordConsole<T>(page: Page, read: (msg: ConsoleMessage) => T | undefined | Promise<T | undefined>): ConsoleLog<T> {
  const listeners = new Set<() => void>();
  const log: ConsoleLog<T> = { entries: [], onChange: (cb) => (listeners.add(cb), () => listeners.delete(cb)) };
  page.on('console', async (msg) => {
    const entry = await read(msg);
    if (entry === undefined) return;
    log.entries.push(entry);
    for (const l of listeners) l();
  });
  return log;
}
