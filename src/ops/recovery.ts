// Owns missed-event recovery: parking a dropped connection's subscriptions for `EH_RECOVERY_WINDOW_MS`,
// raw WebSocket `resume` (token, subscriptions back, missed events replayed) and Socket.IO v4 adoption.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { Identity } from '../auth/authenticator';
import type { BindingCatalogue } from '../bindings/catalogue';
import type { Hub } from '../hub/hub';
import type { HeldSubscription, Session } from '../hub/session';
import type { Command } from '../protocol/commands';
import { errorReply, Reply, successReply } from '../protocol/replies';
import { EventJournal } from './event-journal';

/** Socket.IO disconnect reasons after which its connection-state recovery keeps the session. */
const RECOVERABLE = new Set(['transport error', 'transport close', 'forced close', 'ping timeout']);

export interface RecoveryOptions {
  hub: Hub;
  catalogue: BindingCatalogue;
  logger: Logger;
  windowMs: number;
  /** The most events the journal keeps (`EH_RECOVERY_MAX_EVENTS`). */
  maxEvents: number;
  /** Whether a token's identity may still see an account (KAZOO's rule, or the configured access control). */
  authorize(identity: Identity, accountId: string, token: string): Promise<string | undefined>;
  /** Told when a Socket.IO connection took over parked subscriptions (their tokens need checking now). */
  onRecovered?: (session: Session) => void;
}

interface Parked {
  session: Session;
  key: string;
  /** Journal seq when the connection ended: events after it were missed. */
  closeSeq: number;
  rooms: Set<string>;
  timer: NodeJS.Timeout;
}

type ResumeCommand = Extract<Command, { action: 'resume' }>;

function wsClosedByPeer(session: Session): boolean {
  // ws@8 records whether the client sent a close frame: a deliberate close ends the session for good.
  return (session.transport as unknown as { socket?: { _closeFrameReceived?: boolean } }).socket?._closeFrameReceived === true;
}

function socketIoId(session: Session): string | undefined {
  return (session.transport as unknown as { socket?: Socket }).socket?.id;
}

/**
 * Parks sessions that dropped unexpectedly and hands their subscriptions (and missed events) to the
 * connection that resumes them.
 * @example const recovery = new SessionRecovery(opts); hub.parking = recovery; hub.addTarget(recovery.journal);
 */
export class SessionRecovery {
  readonly journal: EventJournal;
  private readonly tokens = new WeakMap<Session, string>();
  private readonly parked = new Map<string, Parked>();
  private readonly forced = new WeakSet<Session>();
  private enabled: boolean;

  constructor(private readonly opts: RecoveryOptions) {
    this.enabled = opts.windowMs > 0;
    this.journal = new EventJournal(opts.windowMs, opts.maxEvents);
    this.journal.floor = () => {
      let min = this.journal.seq;
      for (const p of this.parked.values()) if (p.session.transport.generation === 'websocket' && p.closeSeq < min) min = p.closeSeq;
      return min;
    };
  }

  get parkedCount(): number {
    return this.parked.size;
  }

  /** Stops parking (shutdown: clients reconnect elsewhere) and ends every parked session. */
  disable(): void {
    this.enabled = false;
    for (const key of [...this.parked.keys()]) this.end(key);
  }

  /** Marks a connection the server drops on purpose (too slow) as resumable whatever its close handshake. */
  markResumable(session: Session): void {
    this.forced.add(session);
  }

  /** Adds `data.resume_token` to a raw WebSocket client's successful subscribe replies. */
  observeReply = (session: Session, reply: Reply): void => {
    if (!this.enabled || session.transport.generation !== 'websocket' || reply.status !== 'success' || !Array.isArray(reply.data['subscribed'])) return;
    if (reply.data['unsubscribed'] !== undefined) return;
    reply.data['resume_token'] = this.tokenOf(session);
  };

  /** Hub hook: whether a closed session's subscriptions stay for the recovery window. */
  park(session: Session): boolean {
    if (!this.enabled || session.held.size === 0) return false;
    let key: string | undefined;
    if (session.transport.generation === 'websocket') {
      if (wsClosedByPeer(session) && !this.forced.has(session)) return false;
      key = this.tokens.get(session);
    } else if (session.transport.generation === 'socketio') {
      key = socketIoId(session);
      // A recovered socket comes back with the same id: leaving rooms through this old handle would
      // take the new socket out of them, so this handle stops touching Socket.IO rooms.
      (session.transport as { leaveRoom(room: string): void }).leaveRoom = () => undefined;
    }
    if (!key) return false;
    const rooms = new Set(session.held.keys());
    if (session.transport.generation === 'websocket') this.journal.watch(rooms);
    const timer = setTimeout(() => this.end(key), this.opts.windowMs);
    timer.unref();
    this.parked.set(key, { session, key, closeSeq: this.journal.seq, rooms, timer });
    this.opts.logger.debug({ session: session.id, subscriptions: rooms.size }, 'connection parked for recovery');
    return true;
  }

  /** Wires Socket.IO v4 connection-state recovery to the hub (after the transport's own listener). */
  attachSocketIo(io: Server): void {
    io.on('connection', (socket: Socket) => {
      socket.on('disconnect', (reason: string) => {
        // Engine.IO's heartbeat found the peer dead: counted with the WebSocket transport's.
        if (reason === 'ping timeout') this.opts.hub.counters.deadPeers++;
        if (!RECOVERABLE.has(reason)) this.end(socket.id);
      });
      if (socket.recovered) void this.adoptSocketIo(socket);
    });
  }

  /** The `resume` action: the parked subscriptions move to this connection, then the missed events follow the reply. */
  resume = async (session: Session, command: ResumeCommand, identity: Identity): Promise<Reply | undefined> => {
    const { requestId, resumeToken } = command;
    if (session.transport.generation !== 'websocket') return errorReply(requestId, 'resume is for raw WebSocket clients: Socket.IO v4 clients recover on reconnection by themselves');
    const parked = this.parked.get(resumeToken);
    if (!parked || parked.session.transport.generation !== 'websocket') return errorReply(requestId, 'resume token unknown or expired: subscribe again');
    for (const accountId of new Set([...parked.session.held.values()].map((h) => h.accountId))) {
      const denied = await this.opts.authorize(identity, accountId, command.authToken ?? '');
      if (denied) return errorReply(requestId, denied);
    }
    if (this.parked.get(resumeToken) !== parked || session.closed) return errorReply(requestId, 'resume token unknown or expired: subscribe again');
    // From here to the last replayed write nothing yields to I/O (the rooms exist, so no broker call):
    // no live event can slip between the replay and the live stream, so none is lost or doubled.
    const failed = await this.moveSubscriptions(parked, session);
    if (failed) return errorReply(requestId, failed);
    const missed = this.journal.since(parked.closeSeq, parked.rooms);
    const recovered = this.journal.evictedUpTo <= parked.closeSeq;
    this.end(parked.key);
    const transport = session.transport as unknown as { send(text: string): void };
    session.transport.reply(
      successReply(requestId, { subscribed: session.bindings(), recovered, missed: missed.length, resume_token: this.tokenOf(session) }),
      {},
    );
    for (const text of missed) transport.send(text);
    this.opts.logger.info({ session: session.id, from: parked.session.id, missed: missed.length, recovered }, 'websocket session resumed');
    return undefined;
  };

  private async adoptSocketIo(socket: Socket): Promise<void> {
    const parked = this.parked.get(socket.id);
    const session = [...this.opts.hub.sessions].find((s) => (s.transport as unknown as { socket?: Socket }).socket === socket);
    if (!parked || !session) return;
    const failed = await this.moveSubscriptions(parked, session);
    this.end(parked.key);
    this.opts.onRecovered?.(session);
    this.opts.logger.info({ session: session.id, from: parked.session.id, failed }, 'socket.io connection state recovered');
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

  private end(key: string): void {
    const parked = this.parked.get(key);
    if (!parked) return;
    this.parked.delete(key);
    clearTimeout(parked.timer);
    this.opts.hub.endParkedSession(parked.session);
    if (parked.session.transport.generation === 'websocket') this.journal.unwatch(parked.rooms);
  }

  private tokenOf(session: Session): string {
    let token = this.tokens.get(session);
    if (!token) {
      token = randomBytes(16).toString('hex');
      this.tokens.set(session, token);
    }
    return token;
  }
}
