// Owns handing a parked connection's subscriptions, and the events it missed, to the connection that
// resumes it: `resume` for `by-command` transports (token, subscriptions back, missed events replayed
// from the history), takeover for `on-reconnect` ones (their transport replays from the history itself).
import type { Logger } from 'pino';
import type { Identity } from '../auth/authenticator';
import type { BindingCatalogue } from '../bindings/catalogue';
import type { Hub } from '../hub/hub';
import type { HeldSubscription, Session } from '../hub/session';
import type { Command } from '../protocol/commands';
import { errorReply, Reply, successReply } from '../protocol/replies';
import type { History, HistoryPosition, HistoryRead } from './history';
import type { ParkingLot, Parked } from './parking';

type ResumeCommand = Extract<Command, { action: 'resume' }>;

/** The access rules resume applies: may this identity still see the account, and record that it does. */
export interface ResumeAccess {
  authorize(identity: Identity, accountId: string, token: string): Promise<string | undefined>;
  granted(session: Session, accountId: string, token: string, identity: Identity): void;
}

export interface SessionRecoveryOptions {
  hub: Hub;
  catalogue: BindingCatalogue;
  logger: Logger;
  history: History;
  parking: ParkingLot;
  access: ResumeAccess;
  /** `EH_RECOVERY_WINDOW_MS`: how long a dropped connection's subscriptions wait (0: recovery off). */
  windowMs: number;
  /** Whether this node is one of a cluster (Redis), where a client may reconnect to another node. */
  clustered: boolean;
  /** Told when a connection took over parked subscriptions without a command (their tokens need checking now). */
  onRecovered?: (session: Session) => void;
  /** A resume whose token this node does not park (cluster mode: another node's, from Redis). */
  remote?: (session: Session, command: ResumeCommand, identity: Identity) => Promise<Reply | undefined>;
}

/**
 * What an `on-reconnect` transport asks of recovery.
 * @example const read = await recovery.missedAfter(socket.id, offset); if (read.complete) replay(read.events);
 */
export interface ReconnectRecovery {
  /** How long a dropped connection may come back (`EH_RECOVERY_WINDOW_MS`). */
  readonly windowMs: number;
  /**
   * Whether reconnecting clients are recovered at all: recovery is on, and the history can follow a
   * client to any node it reconnects to (a shared driver), or there is no other node.
   */
  readonly reconnects: boolean;
  /** The events the connection parked under `key` missed after `position`; none (complete) when nothing is parked. */
  missedAfter(key: string, position: HistoryPosition): Promise<HistoryRead>;
  /** A reconnected connection (same key) takes over what its predecessor held. */
  reconnected(session: Session): void;
  /** The history's newest position now. */
  head(): HistoryPosition;
}

/**
 * Resumes parked connections.
 * @example const recovery = new SessionRecovery(opts); new CommandHandler({ …, resume: recovery.resume, replyObservers: [recovery.observeReply] });
 */
export class SessionRecovery implements ReconnectRecovery {
  readonly windowMs: number;
  readonly reconnects: boolean;

  constructor(private readonly opts: SessionRecoveryOptions) {
    this.windowMs = opts.windowMs;
    this.reconnects = opts.windowMs > 0 && (opts.history.shared || !opts.clustered);
  }

  get parkedCount(): number {
    return this.opts.parking.count;
  }

  /** Adds `data.resume_token` to a `by-command` connection's successful subscribe replies. */
  observeReply = (session: Session, reply: Reply): void => {
    if (!this.opts.parking.isEnabled || session.transport.target.resumption !== 'by-command' || reply.status !== 'success' || !Array.isArray(reply.data['subscribed'])) return;
    if (reply.data['unsubscribed'] !== undefined) return;
    reply.data['resume_token'] = this.opts.parking.tokenOf(session);
  };

  /** The `resume` action: the parked subscriptions move to this connection, then the missed events follow the reply. */
  resume = async (session: Session, command: ResumeCommand, identity: Identity): Promise<Reply | undefined> => {
    const { requestId, resumeToken } = command;
    const { parking, access } = this.opts;
    if (session.transport.target.resumption !== 'by-command') return errorReply(requestId, 'resume is for raw WebSocket clients: Socket.IO v4 clients recover on reconnection by themselves');
    const parked = parking.get(resumeToken);
    if (!parked && this.opts.remote) return this.opts.remote(session, command, identity);
    if (!parked || parked.session.transport.target.resumption !== 'by-command') return errorReply(requestId, 'resume token unknown or expired: subscribe again');
    const accounts = new Set([...parked.session.held.values()].map((h) => h.accountId));
    for (const accountId of accounts) {
      const denied = await access.authorize(identity, accountId, command.authToken ?? '');
      if (denied) return errorReply(requestId, denied);
    }
    if (parking.get(resumeToken) !== parked || session.closed) return errorReply(requestId, 'resume token unknown or expired: subscribe again');
    const before = new Set([...session.held.values()].map((h) => h.accountId));
    // From here to the last replayed write nothing yields to I/O with the in-process history (the rooms
    // exist, so no broker call): no live event slips between the replay and the live stream.
    const failed = await this.moveSubscriptions(parked, session);
    if (failed) return errorReply(requestId, failed);
    const read = await this.opts.history.readAfter(parked.closedAt, parked.rooms);
    parking.end(parked.key);
    // The accounts resumed here hold on the resuming token (it was authorized for them): its end ends them.
    for (const accountId of accounts) if (!before.has(accountId)) access.granted(session, accountId, command.authToken ?? '', identity);
    const missed = read.events.flatMap((e) => e.envelopes);
    session.transport.reply(
      successReply(requestId, { subscribed: session.bindings(), recovered: read.complete, missed: missed.length, resume_token: parking.tokenOf(session) }),
      {},
    );
    session.transport.replay(missed);
    this.opts.logger.info({ session: session.id, from: parked.session.id, missed: missed.length, recovered: read.complete }, 'websocket session resumed');
    return undefined;
  };

  head(): HistoryPosition {
    return this.opts.history.head();
  }

  missedAfter(key: string, position: HistoryPosition): Promise<HistoryRead> {
    const parked = this.opts.parking.get(key);
    if (!parked) return Promise.resolve({ events: [], complete: true });
    return this.opts.history.readAfter(position, parked.rooms);
  }

  reconnected(session: Session): void {
    const key = session.transport.recoveryKey;
    const parked = key === undefined ? undefined : this.opts.parking.get(key);
    if (!parked) return;
    void this.moveSubscriptions(parked, session).then((failed) => {
      this.opts.parking.end(parked.key);
      this.opts.onRecovered?.(session);
      this.opts.logger.info({ session: session.id, from: parked.session.id, failed }, 'connection state recovered');
    });
  }

  private async moveSubscriptions(parked: Parked, session: Session): Promise<string | undefined> {
    const held: HeldSubscription[] = [...parked.session.held.values()];
    for (const h of held) {
      const plan = this.opts.catalogue.plan(h.binding, h.accountId);
      if (!plan.ok) return plan.error;
      const meta: { name?: string; metadata?: Record<string, unknown> } = {};
      if (h.name !== undefined) meta.name = h.name;
      if (h.metadata !== undefined) meta.metadata = h.metadata;
      const failed = await this.opts.hub.subscribe(session, h.accountId, [plan.plan], meta);
      if (failed) return failed;
    }
    return undefined;
  }
}
