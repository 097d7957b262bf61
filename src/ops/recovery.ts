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
import type { Restored } from '../cluster/shared-recovery';
import type { SessionRecord } from '../cluster/session-directory';
import type { RestoredSocket } from '../cluster/recovering-redis-adapter';
import { hitId } from '../cluster/redis-history';

/** Cross-node recovery (cluster mode): the records in Redis and the shared history (cluster/shared-recovery). */
export interface SharedSessions {
  remember(session: Session, key: string): void;
  parked(session: Session, covered?: boolean): void;
  forget(session: Session, claimed?: boolean): void;
  leaving(session: Session): void;
  restore(
    key: string,
    opts: { local?: (record: SessionRecord) => Session | undefined; offset?: string; authorize(record: SessionRecord): Promise<string | undefined> },
  ): Promise<Restored | { error: string } | undefined>;
  release(holder: Session): void;
}

const UNKNOWN_TOKEN = 'resume token unknown or expired: subscribe again';

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

/** Socket.IO's private session id, what a v4 client sends back to recover (set with recovery on). */
function socketIoPid(session: Session): string | undefined {
  return (session.transport as unknown as { socket?: { pid?: string } }).socket?.pid;
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
  /** Socket ids whose next close must not be recoverable (credentials ended). */
  private readonly refusedSids = new Set<string>();
  private enabled: boolean;
  /** Set in cluster mode: sessions resume on any node from Redis. */
  shared?: SharedSessions;

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
    // In a cluster the records stay, marked uncovered: the clients may resume on another node.
    for (const key of [...this.parked.keys()]) this.end(key, 'leaving');
  }

  /** Marks a connection the server drops on purpose (too slow) as resumable whatever its close handshake. */
  markResumable(session: Session): void {
    this.forced.add(session);
  }

  /**
   * Adds `data.resume_token` to a raw WebSocket client's successful subscribe replies; in a cluster, also
   * records what the connection holds now, so another node can resume it.
   */
  observeReply = (session: Session, reply: Reply): void => {
    if (!this.enabled || reply.status !== 'success') return;
    const subscribed = Array.isArray(reply.data['subscribed']);
    if (!subscribed && reply.data['unsubscribed'] === undefined) return;
    if (session.transport.generation === 'websocket' && subscribed && reply.data['unsubscribed'] === undefined) reply.data['resume_token'] = this.tokenOf(session);
    this.share(session);
  };

  /** Cluster mode: records the session under its key (resume token, or Socket.IO private id). */
  private share(session: Session): void {
    if (!this.shared) return;
    const key = session.transport.generation === 'websocket' ? this.tokens.get(session) : session.transport.generation === 'socketio' ? socketIoPid(session) : undefined;
    if (key !== undefined) this.shared.remember(session, key);
  }

  /** Makes socket `sid`'s coming close unrecoverable on every node (its credentials ended). */
  refuse(sid: string): void {
    this.refusedSids.add(sid);
  }

  /** Another node took this parked session over: this node's copy goes, leaving the record alone. */
  release(session: Session): void {
    for (const [key, parked] of this.parked) if (parked.session === session) this.end(key, 'claimed');
  }

  /** Hub hook: whether a closed session's subscriptions stay for the recovery window. */
  park(session: Session): boolean {
    const kept = this.parkHere(session);
    if (kept) this.shared?.parked(session);
    else if (!this.enabled && this.leavingResumable(session)) this.shared?.parked(session, false);
    else this.shared?.forget(session);
    return kept;
  }

  /** While draining: whether a closing connection could resume elsewhere (it would have been parked). */
  private leavingResumable(session: Session): boolean {
    if (this.opts.windowMs <= 0 || session.held.size === 0) return false;
    return session.transport.generation === 'socketio' || (session.transport.generation === 'websocket' && this.tokens.has(session));
  }

  private parkHere(session: Session): boolean {
    const sid = session.transport.generation === 'socketio' ? socketIoId(session) : undefined;
    if (sid !== undefined && this.refusedSids.delete(sid)) return false;
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
    if (!parked && this.shared) return this.resumeShared(session, command, identity);
    if (!parked || parked.session.transport.generation !== 'websocket') return errorReply(requestId, UNKNOWN_TOKEN);
    for (const accountId of new Set([...parked.session.held.values()].map((h) => h.accountId))) {
      const denied = await this.opts.authorize(identity, accountId, command.authToken ?? '');
      if (denied) return errorReply(requestId, denied);
    }
    if (this.parked.get(resumeToken) !== parked || session.closed) return errorReply(requestId, UNKNOWN_TOKEN);
    // From here to the last replayed write nothing yields to I/O (the rooms exist, so no broker call):
    // no live event can slip between the replay and the live stream, so none is lost or doubled.
    const failed = await this.moveSubscriptions(parked.session, session);
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
    this.share(session);
    this.opts.logger.info({ session: session.id, from: parked.session.id, missed: missed.length, recovered }, 'websocket session resumed');
    return undefined;
  };

  /** A resume token this node does not park: the session of another node (or of one that died), from Redis. */
  private async resumeShared(session: Session, command: ResumeCommand, identity: Identity): Promise<Reply | undefined> {
    const { requestId, resumeToken } = command;
    const restored = await this.shared!.restore(resumeToken, {
      authorize: async (record) => {
        if (record.generation !== 'websocket') return UNKNOWN_TOKEN;
        for (const accountId of new Set(record.subscriptions.map((s) => s.accountId))) {
          const denied = await this.opts.authorize(identity, accountId, command.authToken ?? '');
          if (denied) return denied;
        }
        return undefined;
      },
    });
    if (!restored) return errorReply(requestId, UNKNOWN_TOKEN);
    if ('error' in restored) return errorReply(requestId, restored.error);
    const { holder, entries, complete } = restored;
    // As for a local resume: from the last read to the last replayed write nothing yields to I/O.
    const failed = session.closed ? UNKNOWN_TOKEN : await this.moveSubscriptions(holder, session);
    this.shared!.release(holder);
    if (failed) return errorReply(requestId, failed);
    const transport = session.transport as unknown as { send(text: string): void };
    session.transport.reply(successReply(requestId, { subscribed: session.bindings(), recovered: complete, missed: entries.length, resume_token: this.tokenOf(session) }), {});
    for (const entry of entries) transport.send(entry.envelope);
    this.share(session);
    this.opts.logger.info({ session: session.id, missed: entries.length, recovered: complete }, 'websocket session resumed from the shared history');
    return undefined;
  }

  /**
   * Socket.IO v4 `restoreSession` in a cluster: takes the session over from Redis (this node's parked
   * copy or another's), leaves a stand-in holding its rooms under its socket id for the connection to
   * adopt, and gives socket.io the missed packets. Null when it cannot (socket.io starts afresh).
   */
  async restoreSocketIo(pid: string, offset: string, authorize: (record: SessionRecord) => Promise<string | undefined>): Promise<RestoredSocket | null> {
    if (!this.enabled || !this.shared) return null;
    let restored: Restored | { error: string } | undefined;
    try {
      restored = await this.shared.restore(pid, {
        offset,
        authorize: (record) => (record.generation === 'socketio' && record.sid ? authorize(record) : Promise.resolve('not a Socket.IO session')),
        local: (record) => {
          const here = record.sid ? this.parked.get(record.sid) : undefined;
          return here?.session.transport.generation === 'socketio' ? here.session : undefined;
        },
      });
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'socket.io session not restored from the shared history');
      return null;
    }
    if (!restored || 'error' in restored) {
      if (restored) this.opts.logger.info({ reason: restored.error }, 'socket.io session not restored');
      return null;
    }
    const { holder, record, entries, complete } = restored;
    const sid = record.sid!;
    if (this.parked.get(sid)?.session === holder) {
      this.shared.forget(holder, true);
    } else {
      const timer = setTimeout(() => this.end(sid), this.opts.windowMs);
      timer.unref();
      this.parked.set(sid, { session: holder, key: sid, closeSeq: this.journal.seq, rooms: new Set(holder.held.keys()), timer });
    }
    if (!complete) this.opts.logger.info({ sid }, 'socket.io session restored; some missed events were already trimmed');
    const missedPackets: unknown[][] = [];
    const named = new Set<string>();
    for (const e of entries) {
      const offsetOf = hitId(e.room, e.event);
      if (e.name && !named.has(e.event)) {
        named.add(e.event);
        missedPackets.push([e.name, JSON.parse(e.payload) as unknown, offsetOf]);
      }
      missedPackets.push(['message', JSON.parse(e.envelope) as unknown, offsetOf]);
    }
    return { sid, pid, rooms: [...holder.held.keys()], data: {}, missedPackets };
  }

  private async adoptSocketIo(socket: Socket): Promise<void> {
    const parked = this.parked.get(socket.id);
    const session = [...this.opts.hub.sessions].find((s) => (s.transport as unknown as { socket?: Socket }).socket === socket);
    if (!parked || !session) return;
    const failed = await this.moveSubscriptions(parked.session, session);
    this.end(parked.key);
    this.opts.onRecovered?.(session);
    this.share(session);
    this.opts.logger.info({ session: session.id, from: parked.session.id, failed }, 'socket.io connection state recovered');
  }

  private async moveSubscriptions(from: Session, session: Session): Promise<string | undefined> {
    const held: HeldSubscription[] = [...from.held.values()];
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

  private end(key: string, how: 'ended' | 'claimed' | 'leaving' = 'ended'): void {
    const parked = this.parked.get(key);
    if (!parked) return;
    this.parked.delete(key);
    clearTimeout(parked.timer);
    this.opts.hub.endParkedSession(parked.session);
    if (how === 'leaving') this.shared?.leaving(parked.session);
    else this.shared?.forget(parked.session, how === 'claimed');
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
