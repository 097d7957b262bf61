// Owns the transport-neutral session: what a connection holds (subscriptions, name, metadata) and
// the small interface a transport implements so the hub can answer it without knowing its wire format.
import { randomUUID } from 'node:crypto';
import type { Reply } from '../protocol/replies';
import type { FanoutTarget } from './fanout';

export type ClientGeneration = 'websocket' | 'socketio' | 'socketio-legacy';

/** How a command reached the hub; transports use it to shape their answer (e.g. legacy events). */
export interface CommandOrigin {
  /** Set for Socket.IO `emit("subscribe"|"unsubscribe", …)`, unset for envelopes. */
  legacyEmit?: 'subscribe' | 'unsubscribe';
  /** The token the command carried, for KAZOO 3.x's `auth_failure` cause. */
  authToken?: string;
  /** Socket.IO acknowledgement callback, when the client asked for one. */
  ack?: (reply: Reply) => void;
}

/** What a transport offers the hub for one connection. */
export interface SessionTransport {
  readonly generation: ClientGeneration;
  /** The fan-out adapter that writes events to this connection. */
  readonly target: FanoutTarget;
  readonly remoteAddress: string;
  /** Sends a command's reply in this transport's shape. */
  reply(reply: Reply, origin: CommandOrigin): void;
  /**
   * Ends the connection the way this generation's client reconnects from by itself (never a "kicked"
   * close it would not come back from), so it subscribes again with the token it holds now.
   */
  closeForCredentials(): void;
  /** Mirrors hub room membership into the transport (Socket.IO rooms); no-op elsewhere. */
  joinRoom(room: string): void;
  leaveRoom(room: string): void;
}

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
 * @example hub.observe({ opened: (s) => count(s.transport.generation), closed: (s, reason) => log(s.id, reason) });
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
