// A recorder of everything a test client received, with deadline-bound waits over it.
import { waitUntil } from './wait';

export interface Received {
  /** Event name for Socket.IO clients; `frame` for raw WebSocket text frames. */
  name: string;
  data: unknown;
}

/**
 * Collects received messages in order.
 * @example await inbox.next('the reply', (m) => m.name === 'message' && isReply(m.data));
 */
export class Inbox {
  readonly items: Received[] = [];
  private readonly listeners = new Set<() => void>();

  push(item: Received): void {
    this.items.push(item);
    for (const l of [...this.listeners]) l();
  }

  private onChange = (cb: () => void) => {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  };

  /** Waits for the first item (from `from` on) matching `pred`. */
  wait(what: string, pred: (item: Received) => boolean, timeoutMs = 5000, from = 0): Promise<Received> {
    return waitUntil(what, () => this.items.slice(from).find(pred), this.onChange, timeoutMs);
  }

  /** Waits until at least `n` items match `pred`; returns them. */
  waitCount(what: string, pred: (item: Received) => boolean, n: number, timeoutMs = 5000): Promise<Received[]> {
    return waitUntil(what, () => {
      const found = this.items.filter(pred);
      return found.length >= n ? found : undefined;
    }, this.onChange, timeoutMs);
  }

  filter(pred: (item: Received) => boolean): Received[] {
    return this.items.filter(pred);
  }
}
