// Owns admitting connections on the shared HTTP port: origin policy, blocked IPs and the per-IP
// connection cap, decided before any transport sees the request, and counting each session against its
// IP while it lives. Knows no wire format: the transport that claims a request says whether it starts a session.
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { ErrorText } from '../protocol/error-texts';
import type { ClientAddressResolver } from './client-address';
import type { AuthFailureTracker } from './auth-failures';
import type { ConnectionLimiter } from './connection-limiter';
import type { LimitsCounters } from './limits-counters';

export interface AdmissionOptions {
  limiter: ConnectionLimiter;
  failures: AuthFailureTracker;
  originAllowed: (origin: string | undefined) => boolean;
  addresses: ClientAddressResolver;
  counters: LimitsCounters;
  logger: Logger;
}

/** A refused connection attempt: the HTTP status and the text sent with it. */
export interface Refusal {
  status: 403 | 429;
  text: string;
}

/**
 * The gate in front of every transport.
 * @example const refusal = gate.admit(req, transport.startsSession(req)); if (refusal) refuse(res, refusal);
 */
export class Admission {
  constructor(private readonly opts: AdmissionOptions) {}

  /**
   * Decides on a request a transport claimed: one that starts a session is checked in full, one that
   * goes on with a session against the origin policy only. Undefined to let it through, else why not.
   */
  admit(req: IncomingMessage, startsSession: boolean): Refusal | undefined {
    return startsSession ? this.check(req) : this.checkOrigin(req);
  }

  /** Decides on a connection attempt: undefined to let it through, else why not. */
  check(req: IncomingMessage): Refusal | undefined {
    const { counters, logger } = this.opts;
    const refused = this.checkOrigin(req);
    if (refused) return refused;
    const { ip } = this.opts.addresses.of(req);
    const blocked = this.opts.failures.blockedFor(ip);
    if (blocked > 0) {
      counters.blockedRefusals++;
      return { status: 429, text: ErrorText.authBlocked(ip, blocked) };
    }
    if (!this.opts.limiter.allows(ip)) {
      counters.connectionsRefused++;
      logger.info({ ip, max: this.opts.limiter.max }, 'connection refused: per-IP limit');
      return { status: 429, text: ErrorText.tooManyConnections(ip, this.opts.limiter.max) };
    }
    return undefined;
  }

  /**
   * The origin policy alone, for requests that continue a Socket.IO session: a session opened without
   * Origin (a `<script>` JSONP handshake, which any page can make and read) must not go on from a page
   * the policy refuses.
   */
  private checkOrigin(req: IncomingMessage): Refusal | undefined {
    const origin = req.headers.origin;
    if (this.opts.originAllowed(origin)) return undefined;
    this.opts.counters.originsRefused++;
    this.opts.logger.info({ origin }, 'connection refused by the origin policy');
    return { status: 403, text: ErrorText.originNotAllowed(String(origin)) };
  }

  /**
   * Counts a session that has no socket of its own (Socket.IO 0.9 polling) against its IP, until the
   * returned release is called. The handshake was already checked; a race past the cap is not counted.
   */
  countSession(req: IncomingMessage): () => void {
    const { ip } = this.opts.addresses.of(req);
    if (!this.opts.limiter.acquire(ip)) return () => undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.opts.limiter.release(ip);
    };
  }

  /** Counts one connection of the request's IP until `closer` emits close; false when at the cap. */
  count(req: IncomingMessage, closer: { once(event: 'close', fn: () => void): unknown }): boolean {
    const { ip } = this.opts.addresses.of(req);
    if (!this.opts.limiter.acquire(ip)) {
      this.opts.counters.connectionsRefused++;
      return false;
    }
    closer.once('close', () => this.opts.limiter.release(ip));
    return true;
  }
}
