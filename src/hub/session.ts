// Owns the transport-neutral session: what a connection holds (subscriptions, name, metadata). The
// transport side of a connection is the contract in ./transport.
import { randomUUID } from 'node:crypto';
import type { SessionTransport } from './transport';

export type { CommandOrigin, SessionTransport } from './transport';

/** A subscription held by a session: one client binding for one account. */
export interface HeldSubscription {
  room: string;
  accountId: string;
  binding: string;
  name?: string;
  metadata?: Record<string, unknown>;
  since: number;
}

/**
 * Told when the hub opens and closes a session, whatever the transport: logs, metrics. `reason` says
 * why the connection ended as its transport saw it (`1001 server shutting down`, `transport close`…).
 * @example new Hub({ …, observers: [{ opened: (s) => count(s.transport.label), closed: (s, reason) => log(s.id, reason) }] });
 */
export interface SessionObserver {
  opened(session: Session): void;
  closed(session: Session, reason: string): void;
}

/**
 * One client connection as the hub sees it.
 * @example const session = hub.openSession(transport); … hub.closeSession(session);
 */
export class Session {
  readonly id = randomUUID();
  readonly connectedAt = Date.now();
  /** Held subscriptions by room name, in the order they were made. */
  readonly held = new Map<string, HeldSubscription>();
  /** Every account this connection subscribed to successfully, in order (kept after unsubscribing, for logs). */
  readonly accounts = new Set<string>();
  closed = false;

  constructor(readonly transport: SessionTransport) {}

  /** The client bindings held, each once, in subscription order. */
  bindings(): string[] {
    return [...new Set([...this.held.values()].map((h) => h.binding))];
  }
}
