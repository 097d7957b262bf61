// Drives the operator console (/admin) in a real browser like an operator would (keyboard, fields,
// buttons) and reads what it shows; every wait has a deadline. Used by the browser test and the screenshot.
import type { Page } from 'playwright-core';

// The page's DOM as the functions run in the browser see it (the project compiles without the DOM lib).
interface El {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(s: string): El | null; querySelectorAll(s: string): { length: number }; getElementById(id: string): El | null };

/**
 * The console page.
 * @example const admin = new AdminPage(page); await admin.open(url); await admin.signIn(token); await admin.waitLive();
 */
export class AdminPage {
  constructor(readonly page: Page, readonly timeoutMs = 10000) {
    page.setDefaultTimeout(timeoutMs);
  }

  async open(baseUrl: string): Promise<void> {
    await this.page.goto(`${baseUrl}/admin/`, { timeout: this.timeoutMs });
    await this.page.waitForSelector('#login:not([hidden]), #main:not([hidden])');
  }

  /** Types the admin token and presses Enter, as a person would. */
  async signIn(token: string): Promise<void> {
    await this.page.locator('#admin-token').fill(token);
    await this.page.locator('#admin-token').press('Enter');
  }

  async waitLive(): Promise<void> {
    await this.page.waitForSelector('#stream-state[data-state="live"]');
    await this.page.waitForSelector('#main:not([hidden])');
  }

  /** The refusal the sign-in form shows. */
  async loginError(): Promise<string> {
    await this.page.waitForSelector('#login-error:not([hidden])');
    return (await this.page.locator('#login-error').textContent()) ?? '';
  }

  async isSignedIn(): Promise<boolean> {
    return this.page.locator('#main').isVisible();
  }

  /** A chart's latest total (sum of its series) once it passes `min`. */
  async waitChart(id: string, min: number): Promise<number> {
    const handle = await this.page.waitForFunction(
      ([sel, floor]) => {
        const v = Number(document.querySelector(sel)?.getAttribute('data-latest'));
        return v > floor ? v : undefined;
      },
      [`#${id}`, min] as const,
    );
    return (await handle.jsonValue()) as number;
  }

  /** A chart's axis labels: their text and where each starts (SVG user units; below 0 is cut off). */
  async axisLabels(id: string): Promise<Array<{ text: string; left: number }>> {
    return this.page.locator(`#${id} .grid text`).evaluateAll((els) =>
      els.map((el) => ({ text: el.textContent ?? '', left: (el as unknown as { getBBox(): { x: number } }).getBBox().x })),
    );
  }

  /** The polyline points of one chart's series, to see it move. */
  async chartLine(id: string, series = 0): Promise<string> {
    return (await this.page.locator(`#${id} polyline.s${series}`).getAttribute('points')) ?? '';
  }

  /** Searches connections and waits until the list shows `expected` rows. */
  async searchConnections(q: string, expected: number): Promise<string[]> {
    await this.page.locator('#connections-q').fill(q);
    await this.page.waitForFunction(
      ([n]) => document.querySelectorAll('#connections-body tr').length === n,
      [expected] as const,
    );
    return this.page.locator('#connections-body tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { id: string } }).dataset.id));
  }

  /** Opens one connection's detail with the keyboard (focus its button, Enter) and returns its fields. */
  async openDetail(id: string): Promise<Record<string, string>> {
    const button = this.page.locator(`#connections-body tr[data-id="${id}"] button`);
    await button.focus();
    await this.page.keyboard.press('Enter');
    await this.page.waitForSelector('#connection-detail:not([hidden])');
    const keys = await this.page.locator('#detail-fields dt').allTextContents();
    const values = await this.page.locator('#detail-fields dd').allTextContents();
    return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? '']));
  }

  async detailSubscriptions(): Promise<string[]> {
    return this.page.locator('#detail-subscriptions li').allTextContents();
  }

  /** Presses Disconnect with a reason and waits for the page to say it is done. */
  async disconnect(reason: string): Promise<string> {
    await this.page.locator('#disconnect-reason').fill(reason);
    await this.page.locator('#disconnect-form button[type="submit"]').click();
    await this.page.waitForFunction(() => /Disconnected|failed/.test(document.getElementById('detail-message')?.textContent ?? ''));
    return (await this.page.locator('#detail-message').textContent()) ?? '';
  }

  /** The rooms table rows as [account, binding, members, events]. */
  async rooms(): Promise<string[][]> {
    return this.page.locator('#rooms-body tr').evaluateAll((rows) =>
      rows.map((r) => [...(r as unknown as { children: Iterable<{ textContent: string | null }> }).children].map((c) => c.textContent ?? '')),
    );
  }

  /** Starts the live tail for an account's binding with that account's token. */
  async startTail(accountId: string, binding: string, token: string): Promise<void> {
    await this.page.locator('#tail-account').fill(accountId);
    await this.page.locator('#tail-binding').fill(binding);
    await this.page.locator('#tail-token').fill(token);
    await this.page.locator('#tail-start').click();
  }

  async stopTail(): Promise<void> {
    await this.page.locator('#tail-stop').click();
    await this.tailState(/^Stopped/);
  }

  /** What has the keyboard focus: its id, or its class when it has none. */
  async focused(): Promise<string> {
    return this.page.evaluate(() => {
      const el = (globalThis as unknown as { document: { activeElement: { id: string; className: string } | null } }).document.activeElement;
      return el ? el.id || el.className : '';
    });
  }

  async tailState(pattern: RegExp): Promise<string> {
    await this.page.waitForFunction((src) => new RegExp(src).test(document.getElementById('tail-state')?.textContent ?? ''), pattern.source);
    return (await this.page.locator('#tail-state').textContent()) ?? '';
  }

  async tailEvents(): Promise<string[]> {
    return this.page.locator('#tail-events li b').allTextContents();
  }
}
