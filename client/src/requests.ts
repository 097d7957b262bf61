// Owns request/reply matching: request ids, one timer per request, settling each request once
// (reply, timeout or lost connection). Knows nothing of sockets or of what the requests mean.
import { ConnectionError, ReplyError, TimeoutError } from './errors';

/** A reply envelope (`action: "reply"`). */
export interface ReplyEnvelope {
  action: 'reply';
  request_id: string;
  status: 'success' | 'error';
  data: Record<string, unknown>;
}

interface Pending {
  action: string;
  resolve(data: Record<string, unknown>): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Requests waiting for their reply.
 * @example const { id, reply } = pending.open('ping', 5000); send({ request_id: id, … }); await reply;
 */
export class PendingRequests {
  private readonly pending = new Map<string, Pending>();
  private next = 1;

  constructor(private readonly prefix: string) {}

  /** A new request id and the promise of its reply's `data` (rejected on an error reply). */
  open(action: string, timeoutMs: number): { id: string; reply: Promise<Record<string, unknown>> } {
    const id = `${this.prefix}${this.next++}`;
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TimeoutError(action, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { action, resolve, reject, timer });
    });
    return { id, reply };
  }

  /** Settles the request a reply answers; false when no request of ours has that id. */
  settle(reply: ReplyEnvelope): boolean {
    const p = this.pending.get(reply.request_id);
    if (!p) return false;
    this.pending.delete(reply.request_id);
    clearTimeout(p.timer);
    const data = reply.data && typeof reply.data === 'object' ? reply.data : {};
    if (reply.status === 'success') p.resolve(data);
    else p.reject(new ReplyError(p.action, Array.isArray(data['errors']) ? data['errors'].map(String) : [], data, reply.request_id));
    return true;
  }

  /** Rejects one request (it could not be sent). */
  fail(id: string, err: Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.reject(err);
  }

  /** Rejects every request: the connection they were sent on is gone. */
  failAll(reason: string): void {
    for (const [id, p] of [...this.pending]) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new ConnectionError(`${p.action}: ${reason}`));
    }
  }

  get size(): number {
    return this.pending.size;
  }
}
