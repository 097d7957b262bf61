// Drives the demo page in a real browser like a person would (fields, buttons), and reads what it
// shows; every wait has a deadline. Used by the browser tests and the screenshot script.
import type { Page } from 'playwright-core';

// The page's DOM as the functions run in the browser see it (the project compiles without the DOM lib).
interface El {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  querySelector(selector: string): El | null;
}
declare const document: { getElementById(id: string): El | null; querySelectorAll(selector: string): Iterable<El> };
declare const window: { EH?: { ready?: Promise<boolean> } };

export type PageGeneration = 'websocket' | 'socketio-v4' | 'socketio-09';

export const PAGE_GENERATIONS: PageGeneration[] = ['websocket', 'socketio-v4', 'socketio-09'];

/**
 * The demo page at `/`.
 * @example const demo = new DemoPage(page); await demo.open(server.url); await demo.connect('websocket', token, account);
 */
export class DemoPage {
  constructor(readonly page: Page, readonly timeoutMs = 8000) {
    page.setDefaultTimeout(timeoutMs);
  }

  /** Opens the page and waits until it knows whether demo mode is on. */
  async open(baseUrl: string): Promise<void> {
    await this.page.goto(baseUrl + '/', { timeout: this.timeoutMs });
    await this.page.waitForFunction(() => window.EH?.ready, undefined, { timeout: this.timeoutMs });
    await this.page.evaluate(() => window.EH?.ready);
  }

  /** Picks a generation, fills token and account (when given) and presses Connect. */
  async connect(generation: PageGeneration, token?: string, account?: string): Promise<void> {
    await this.page.click(`label[for="gen-${generation}"]`);
    if (token !== undefined) await this.page.fill('#token', token);
    if (account !== undefined) await this.page.fill('#account', account);
    await this.page.click('#connect');
    await this.waitState('connected');
  }

  async waitState(state: 'connected' | 'reconnecting' | 'disconnected', timeoutMs = this.timeoutMs): Promise<void> {
    await this.page.locator(`#state[data-state="${state}"]`).waitFor({ state: 'attached', timeout: timeoutMs });
  }

  async subscribe(binding: string): Promise<void> {
    await this.page.fill('#binding', binding);
    await this.page.click('#subscribe');
    await this.waitSubscription(binding, 'active');
  }

  /** Subscribes to a binding the server refuses; returns the error the page shows once the binding is gone from the list. */
  async subscribeRefused(binding: string): Promise<string> {
    await this.page.fill('#binding', binding);
    await this.page.click('#subscribe');
    const handle = await this.page.waitForFunction(
      (b) => {
        const status = document.getElementById('command-status')!;
        const listed = [...document.querySelectorAll('#subscriptions li')].some((li) => (li as unknown as El).dataset['binding'] === b);
        return status.dataset['kind'] === 'error' && !listed ? status.textContent : undefined;
      },
      binding,
    );
    return (await handle.jsonValue()) as string;
  }

  /** Unsubscribes with the × of the binding's row and waits until the row is gone. */
  async unsubscribe(binding: string): Promise<void> {
    await this.subscriptionRow(binding).locator('button.remove').click();
    await this.subscriptionRow(binding).waitFor({ state: 'detached', timeout: this.timeoutMs });
  }

  subscriptionRow(binding: string) {
    return this.page.locator(`#subscriptions li[data-binding="${binding}"]`);
  }

  async waitSubscription(binding: string, status: 'active' | 'pending', timeoutMs = this.timeoutMs): Promise<void> {
    await this.page.locator(`#subscriptions li[data-binding="${binding}"][data-status="${status}"]`).waitFor({ state: 'attached', timeout: timeoutMs });
  }

  /** Bindings listed, with their status. */
  subscriptions(): Promise<Array<{ binding: string; status: string }>> {
    return this.page.$$eval('#subscriptions li', (lis) => lis.map((li) => ({ binding: (li as unknown as El).dataset['binding']!, status: (li as unknown as El).dataset['status']! })));
  }

  /** Presses "Simulate a call" and returns the call id the page reports. */
  async simulateCall(): Promise<string> {
    const before = await this.page.textContent('#simulate-status');
    await this.page.click('#simulate-call');
    const handle = await this.page.waitForFunction(
      (prev) => {
        const text = document.getElementById('simulate-status')!.textContent ?? '';
        return text !== prev && /^Published call|^The server refused|^Could not/.test(text) ? text : undefined;
      },
      before,
      { timeout: this.timeoutMs },
    );
    const text = (await handle.jsonValue()) as string;
    const match = /^Published call (\S+) for account/.exec(text);
    if (!match) throw new Error(`simulating a call failed: ${text}`);
    return match[1]!;
  }

  /** Event rows in the log (newest first): name, account and call id. */
  events(): Promise<Array<{ name: string; account: string; callId: string }>> {
    return this.page.$$eval('#event-log > li', (lis) =>
      lis.map((li) => {
        const d = (li as unknown as El).dataset;
        return { name: d['name']!, account: d['account']!, callId: d['callId']! };
      }),
    );
  }

  /** Waits until the log holds `n` rows for a call id; returns their names, oldest first. */
  async waitCallEvents(callId: string, n: number, timeoutMs = this.timeoutMs): Promise<string[]> {
    const handle = await this.page.waitForFunction(
      ([id, count]) => {
        const rows = [...document.querySelectorAll('#event-log > li')].filter((li) => li.dataset['callId'] === id);
        return rows.length >= count ? rows.map((li) => li.dataset['name']).reverse() : undefined;
      },
      [callId, n] as const,
      { timeout: timeoutMs },
    );
    return (await handle.jsonValue()) as string[];
  }

  /** The counts per event name shown above the log. */
  counts(): Promise<Record<string, number>> {
    return this.page.$$eval('#event-counts .chip', (chips) =>
      Object.fromEntries(chips.map((c) => [(c as unknown as El).dataset['name']!, Number((c as unknown as El).querySelector('.count')!.textContent)])),
    );
  }

  /** Waits for a ping round trip to be shown and returns it in ms. */
  async waitRtt(): Promise<number> {
    const handle = await this.page.waitForFunction(() => {
      const m = /^([\d.]+) ms$/.exec(document.getElementById('ping-rtt')!.textContent ?? '');
      return m ? Number(m[1]) : undefined;
    }, undefined, { timeout: this.timeoutMs });
    return (await handle.jsonValue()) as number;
  }

  /** Opens the newest event row of that name, as a click on it does, and leaves nothing focused. */
  async expandEvent(name: string): Promise<void> {
    await this.page.click(`#event-log > li[data-name="${name}"] summary`);
    await this.page.evaluate(() => (document as unknown as { activeElement: { blur(): void } | null }).activeElement?.blur());
  }

  /** Frames shown in the raw frames panel, oldest first. */
  frames(): Promise<Array<{ direction: string; text: string }>> {
    return this.page.$$eval('#frame-log > li', (lis) =>
      lis.map((li) => ({ direction: (li as unknown as El).dataset['direction']!, text: (li as unknown as El).querySelector('code')!.textContent ?? '' })).reverse(),
    );
  }
}
