// Owns the contract every transport implements, on both of its sides: the transport itself (which
// requests it claims, how it writes a batch, how it resumes, how it closes) and one connection of it
// (its label, replies, buffered bytes, drop and close). Everything outside src/transports/ works through
// this contract alone: a capability a new transport leaves out is a type error, never a silent gap.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Reply } from '../protocol/replies';

/**
 * How a transport's dropped connections come back.
 * - `none`: the client starts over (Socket.IO 0.9 re-handshakes and subscribes again);
 * - `by-command`: the client sends `resume` with the token its subscribe replies carried (raw WebSocket);
 * - `on-reconnect`: the client's own reconnect names where it stopped (Socket.IO v4 connection-state
 *   recovery); every event written to it carries its history position.
 */
export type Resumption = 'none' | 'by-command' | 'on-reconnect';

/** How a command reached the hub; transports use it to shape their answer. */
export interface CommandOrigin {
  /** Set for a Socket.IO `emit("subscribe"|"unsubscribe", …)`: failures are also told as KAZOO 3.x events. */
  legacyEmit?: 'subscribe' | 'unsubscribe';
  /** The token the command carried, for KAZOO 3.x's `auth_failure` cause. */
  authToken?: string;
  /** An acknowledgement callback, when the client asked for one. */
  ack?: (reply: Reply) => void;
}

/**
 * One connection of a transport, as the hub, ops, recovery and the console see it.
 * @example const bytes = session.transport.bufferedBytes(); if (bytes > max) session.transport.drop(4008, 'too slow');
 */
export interface SessionTransport {
  /** The transport this connection belongs to (it writes the connection's events). */
  readonly target: Transport;
  /** The transport's name (`websocket`, `socketio`, `socketio-legacy`, …): stats and the websockets API. */
  readonly generation: string;
  /** Metrics and console label: the generation, finer where it matters (`socketio-eio3`). */
  readonly label: string;
  readonly remoteAddress: string;
  /** The id the client keeps across a recovered reconnection (`on-reconnect`); undefined elsewhere. */
  readonly recoveryKey: string | undefined;
  /** The secret the client presents to recover (Socket.IO's private session id); undefined elsewhere. */
  readonly recoverySecret: string | undefined;
  /** True once the client itself ended the connection on purpose: there is nothing to resume. */
  readonly endedByPeer: boolean;
  /** Sends a command's reply in this transport's shape. */
  reply(reply: Reply, origin: CommandOrigin): void;
  /** Writes event envelopes (their JSON) as this transport writes `message`s, in order: a resume's replay. */
  replay(envelopes: readonly string[]): void;
  /** Bytes queued for this connection and not yet handed to the kernel (slow-client checks, drains). */
  bufferedBytes(): number;
  /**
   * Closes the connection on purpose with a reason its client can act on (too slow, operator), the way
   * it reconnects from; a peer that does not complete the close within `graceMs` is cut.
   */
  drop(code: number, reason: string, graceMs?: number): void;
  /**
   * Ends the connection the way this generation's client reconnects from by itself (never a "kicked"
   * close it would not come back from), so it subscribes again with the token it holds now.
   */
  closeForCredentials(): void;
}

/**
 * One event and the rooms it reached, as the fan-out hands it to a transport: the hub's `FanoutBatch`
 * (src/hub/fanout.ts), which implementations name in their `deliver`. Declared by shape here so the
 * contract depends on nothing of the hub's.
 */
export interface DeliveredBatch {
  /** The event's history position, when recovery kept it. */
  readonly position: string | undefined;
  readonly hits: readonly unknown[];
}

/**
 * A transport: one family of clients on the shared port. It is registered once, in the list of app.ts.
 * @example const transports: Transport[] = [new LegacySocketIoTransport(parts), new SocketIoTransport(parts), new WebSocketTransport(parts)];
 */
export interface Transport {
  /** Its generation name, also the `transport` label of delivery metrics. */
  readonly name: string;
  /** Every label its connections report (metrics show each one, at zero too). */
  readonly labels: readonly string[];
  readonly resumption: Resumption;
  /** Whether a plain HTTP request is this transport's (tried in list order). */
  claimsRequest(req: IncomingMessage): boolean;
  /** Whether an upgrade request is this transport's (tried in list order). */
  claimsUpgrade(req: IncomingMessage): boolean;
  /** Whether a claimed request would start a new session (admission checks and counts those in full). */
  startsSession(req: IncomingMessage): boolean;
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Writes one event to this transport's members of the rooms it reached (`FanoutBatch`). */
  deliver(batch: DeliveredBatch): void;
  /** Tells every client to go (so it reconnects elsewhere) and stops accepting. */
  close(): Promise<void>;
}
