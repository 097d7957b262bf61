// Owns the per-connection inbound limits every transport applies before parsing: the token bucket
// (KAZOO: 100 messages, refilled 10/s) and the maximum message size. Knows sizes and counts, not wire formats.
import { CloseCodes } from '../protocol/close-codes';
import { ErrorText } from '../protocol/error-texts';
import { Reply, errorReply } from '../protocol/replies';
import { freshRequestId, requestIdFor, scanRequestId } from '../protocol/request-id';
import type { Logger } from 'pino';
import type { LimitsCounters } from './limits-counters';
import { TokenBucket } from './token-bucket';

export interface InboundGuardOptions {
  maxMessageBytes: number;
  /** Bucket refill per second; 0 turns the rate limit off. */
  perSecond: number;
  /** Bucket capacity: messages a connection may send in one burst. */
  burst: number;
  counters: LimitsCounters;
  /** Where a 4029 close is logged (info, with the peer's address), whatever the transport. */
  logger?: Logger;
  now?: () => number;
}

/**
 * The largest frame (or Socket.IO HTTP buffer) a transport accepts for a given message limit. It sits
 * above the limit so an oversized message reaches the guard and gets an error reply, not a 1009 close.
 * @example frameCapBytes(64 * 1024) // 1048576
 */
export function frameCapBytes(maxMessageBytes: number): number {
  return Math.max(maxMessageBytes * 4, 1 << 20);
}

/** Close code for a connection that kept flooding after it was told to slow down. */
export const RATE_LIMIT_CLOSE = { code: CloseCodes.rateLimited, reason: 'rate limit exceeded' } as const;

/** What to do with one inbound message. */
export type Verdict =
  | { ok: true }
  | { ok: false; reply?: Reply; close?: { code: number; reason: string } };

interface ConnectionState {
  bucket: TokenBucket;
  /** Messages refused in a row; the first gets a reply, a bucket's worth more closes the connection. */
  refusedInRow: number;
  /** Set once the connection was told to close: whatever still arrives is dropped. */
  closing: boolean;
}

/**
 * Admits or refuses inbound messages per connection.
 * @example const v = guard.admit(ws, "1.2.3.4:5678", bytes.length, () => requestIdOfText(text)); if (!v.ok) …
 */
export class InboundGuard {
  private readonly state = new WeakMap<object, ConnectionState>();
  private readonly now: () => number;

  constructor(private readonly opts: InboundGuardOptions) {
    this.now = opts.now ?? Date.now;
  }

  get maxMessageBytes(): number {
    return this.opts.maxMessageBytes;
  }

  /**
   * One inbound message of `bytes` on `connection` (any object that lives as long as it), from
   * `address` (`ip:port`, named in the rate-limit text): {@link charge}, then {@link checkSize}.
   * `requestId` is called only when a reply is due.
   */
  admit(connection: object, address: string, bytes: number, requestId: () => string = freshRequestId): Verdict {
    const charged = this.charge(connection, address, requestId);
    return charged.ok ? this.checkSize(bytes, requestId) : charged;
  }

  /**
   * Takes one token from the connection's bucket for one inbound frame or packet, whatever it holds:
   * every transport calls it before any other work on what arrived.
   */
  charge(connection: object, address: string, requestId: () => string = freshRequestId): Verdict {
    if (this.opts.perSecond <= 0) return { ok: true };
    const { counters } = this.opts;
    let s = this.state.get(connection);
    if (!s) {
      s = { bucket: new TokenBucket(this.opts.burst, this.opts.perSecond, this.now()), refusedInRow: 0, closing: false };
      this.state.set(connection, s);
    }
    if (s.closing) {
      counters.rateLimited++;
      return { ok: false };
    }
    if (!s.bucket.take(this.now())) {
      counters.rateLimited++;
      s.refusedInRow++;
      if (s.refusedInRow === 1) {
        this.opts.logger?.info({ address }, 'command refused: rate limit (told to slow down)');
        return { ok: false, reply: errorReply(safeId(requestId), ErrorText.rateLimited(address)) };
      }
      if (s.refusedInRow === this.opts.burst + 1) {
        s.closing = true;
        counters.rateLimitDisconnects++;
        this.opts.logger?.info({ address, code: RATE_LIMIT_CLOSE.code, refused: s.refusedInRow }, 'closing a connection over the rate limit');
        return { ok: false, close: RATE_LIMIT_CLOSE };
      }
      return { ok: false };
    }
    s.refusedInRow = 0;
    return { ok: true };
  }

  /** Refuses a message over the size limit; the reply echoes the client's request id when `requestId` finds it. */
  checkSize(bytes: number, requestId: () => string = freshRequestId): Verdict {
    if (bytes <= this.opts.maxMessageBytes) return { ok: true };
    this.opts.counters.messagesTooLarge++;
    const id = safeId(requestId);
    this.opts.logger?.info({ bytes, limit: this.opts.maxMessageBytes, request_id: id }, 'command refused: message too large');
    return { ok: false, reply: errorReply(id, ErrorText.messageTooLarge(bytes, this.opts.maxMessageBytes)) };
  }

  /** Counts a size refusal a transport answers in its own shape (0.9's `error` event), as every transport's is counted. */
  countTooLarge(): void {
    this.opts.counters.messagesTooLarge++;
  }
}

function safeId(requestId: () => string): string {
  try {
    return requestId();
  } catch {
    return freshRequestId();
  }
}

/**
 * The request id a reply to this text frame should carry: the client's, when a bounded scan of the text
 * finds a string `request_id` among the envelope's keys (no full parse, so it is cheap for any size).
 * @example requestIdOfText('{"request_id":"r1"}') // "r1"
 */
export function requestIdOfText(text: string): string {
  return requestIdFor(scanRequestId(text));
}
