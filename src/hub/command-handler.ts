// Owns the command pipeline: parse → authenticate → authorize → plan → execute → reply, one
// command at a time per session. Every failure becomes an error reply; nothing here throws at clients.
import type { Logger } from 'pino';
import type { Authenticator, Identity } from '../auth/authenticator';
import { AccessControl } from '../auth/access-control';
import type { BindingCatalogue } from '../bindings/catalogue';
import type { SubscriptionPlan } from '../bindings/family';
import { Command, ParseResult, legacyEmitToEnvelope, parseEnvelope, parseText } from '../protocol/commands';
import { Reply, errorReply, successReply } from '../protocol/replies';
import type { Hub } from './hub';
import type { Session } from './session';
import type { CommandOrigin } from './transport';
import { ChannelActions } from './actions/channel-actions';

/** What the command pipeline is built from. */
export interface CommandHandlerOptions {
  hub: Hub;
  catalogue: BindingCatalogue;
  logger: Logger;
  /** Authentication, IP blocks and account authorization (or a plain check of `authenticator`). */
  access?: AccessControl;
  authenticator?: Authenticator;
  /** publish_app_event and api, with their publisher and Crossbar's URL. */
  actions?: ChannelActions;
  /** Told of every reply before it is sent (metrics; resume tokens added to subscribe replies). */
  replyObservers?: ReadonlyArray<(session: Session, reply: Reply) => void>;
  /** The `resume` action (missed-event recovery); it sends its own reply. */
  resume?: (session: Session, command: Extract<Command, { action: 'resume' }>, identity: Identity) => Promise<Reply | undefined>;
}

/**
 * Runs client commands against the hub.
 * @example const handler = new CommandHandler({ hub, catalogue, logger, access }); await handler.handleText(session, '{"action":"ping","auth_token":"t"}');
 */
export class CommandHandler {
  private readonly queues = new WeakMap<Session, Promise<void>>();
  private readonly hub: Hub;
  private readonly catalogue: BindingCatalogue;
  private readonly logger: Logger;
  private readonly access: AccessControl;
  private readonly actions: ChannelActions;
  private readonly replyObservers: ReadonlyArray<(session: Session, reply: Reply) => void>;
  private readonly resume?: CommandHandlerOptions['resume'];

  constructor(opts: CommandHandlerOptions) {
    this.hub = opts.hub;
    this.catalogue = opts.catalogue;
    this.logger = opts.logger;
    if (!opts.access && !opts.authenticator) throw new Error('a command handler needs access control or an authenticator');
    this.access = opts.access ?? AccessControl.plain(opts.authenticator!, opts.logger);
    this.actions = opts.actions ?? new ChannelActions();
    this.replyObservers = opts.replyObservers ?? [];
    this.resume = opts.resume;
  }

  /** A text frame (raw WebSocket). */
  handleText(session: Session, text: string, origin: CommandOrigin = {}): Promise<void> {
    return this.enqueue(session, parseText(text), origin);
  }

  /** A decoded envelope (Socket.IO `message`). */
  handleEnvelope(session: Session, value: unknown, origin: CommandOrigin = {}): Promise<void> {
    return this.enqueue(session, parseEnvelope(value), origin);
  }

  /** A legacy Socket.IO `emit("subscribe"|"unsubscribe", {account_id, auth_token, binding})`. */
  handleLegacyEmit(session: Session, action: 'subscribe' | 'unsubscribe', payload: unknown, ack?: (reply: Reply) => void): Promise<void> {
    const envelope = legacyEmitToEnvelope(action, payload);
    const token = (envelope as { auth_token?: unknown }).auth_token;
    const origin: CommandOrigin = { legacyEmit: action };
    if (typeof token === 'string') origin.authToken = token;
    if (ack) origin.ack = ack;
    return this.enqueue(session, parseEnvelope(envelope), origin);
  }

  /**
   * Commands of one session run in arrival order, so subscribe-then-unsubscribe means what it says.
   * The returned promise rejects if writing this command's reply failed; the queue goes on regardless.
   */
  private enqueue(session: Session, parsed: ParseResult, origin: CommandOrigin): Promise<void> {
    const previous = this.queues.get(session) ?? Promise.resolve();
    const next = previous.then(() => this.run(session, parsed, origin));
    this.queues.set(session, next.catch(() => undefined));
    return next;
  }

  private async run(session: Session, parsed: ParseResult, origin: CommandOrigin): Promise<void> {
    let reply: Reply | undefined;
    try {
      reply = parsed.ok ? await this.execute(session, parsed.command) : parsed.reply;
    } catch (err) {
      this.logger.error({ err, session: session.id }, 'command failed unexpectedly');
      reply = errorReply(parsed.ok ? parsed.command.requestId : 'unknown', 'internal error: the command was not completed');
    }
    if (!reply || session.closed) return;
    if (reply.status === 'error') this.logRefusal(session, parsed, reply);
    for (const observe of this.replyObservers) observe(session, reply);
    session.transport.reply(reply, origin);
  }

  /** Every refused command at info: who (session, generation, IP), what (action, account) and why. */
  private logRefusal(session: Session, parsed: ParseResult, reply: Reply): void {
    const command = parsed.ok ? parsed.command : undefined;
    const target = command && 'target' in command && typeof command.target === 'object' ? command.target : undefined;
    const fields: Record<string, unknown> = {
      session: session.id,
      generation: session.transport.generation,
      ip: session.transport.remoteAddress,
      action: command?.action ?? 'unparsed',
      request_id: reply.request_id,
      errors: reply.data['errors'],
    };
    if (target && 'accountId' in target) fields['account'] = target.accountId;
    this.logger.info(fields, 'command refused');
  }

  private async execute(session: Session, command: Command): Promise<Reply | undefined> {
    if (command.action === 'noop') return undefined;
    // Keepalives and dropping one's own subscriptions need no identity: without a token they run as is
    // (a token that is sent is still checked, so a client can ask whether its token holds).
    if (command.authToken === undefined && command.action === 'ping') return successReply(command.requestId, { response: 'pong' });
    if (command.authToken === undefined && command.action === 'unsubscribe') return this.unsubscribe(session, command);
    const auth = await this.access.authenticate(session.transport.remoteAddress, command.authToken);
    if (!auth.ok) return errorReply(command.requestId, auth.error);
    switch (command.action) {
      case 'ping':
        return successReply(command.requestId, { response: 'pong' });
      case 'subscribe':
        return this.subscribe(session, command, auth.identity);
      case 'unsubscribe':
        return this.unsubscribe(session, command);
      case 'publish_app_event': {
        // The same account rule as subscribe, asked of the configured access control (Crossbar's tree).
        const denied = await this.access.authorize(auth.identity, command.event.accountId, command.authToken ?? '');
        return denied ? errorReply(command.requestId, denied) : this.actions.publishAppEvent(command);
      }
      case 'api':
        return this.actions.api(command);
      case 'resume':
        return this.resume ? this.resume(session, command, auth.identity) : errorReply(command.requestId, 'resume is not available on this server');
    }
  }

  private async subscribe(session: Session, command: Extract<Command, { action: 'subscribe' }>, identity: Identity): Promise<Reply> {
    const { target, requestId } = command;
    const denied = await this.access.authorize(identity, target.accountId, command.authToken ?? '');
    if (denied) return errorReply(requestId, denied);
    const plans: SubscriptionPlan[] = [];
    for (const binding of target.bindings) {
      const planned = this.catalogue.plan(binding, target.accountId);
      if (!planned.ok) {
        const text = target.bindings.length > 1 ? `${planned.error} (binding ${binding})` : planned.error;
        return errorReply(requestId, text);
      }
      plans.push(planned.plan);
    }
    const meta: { name?: string; metadata?: Record<string, unknown> } = {};
    if (target.name !== undefined) meta.name = target.name;
    if (target.metadata !== undefined) meta.metadata = target.metadata;
    const failed = await this.hub.subscribe(session, target.accountId, plans, meta);
    if (failed) return errorReply(requestId, failed);
    this.access.granted(session, target.accountId, command.authToken ?? '', identity);
    return successReply(requestId, { subscribed: session.bindings() });
  }

  private unsubscribe(session: Session, command: Extract<Command, { action: 'unsubscribe' }>): Reply {
    const { target, requestId } = command;
    if (target === 'all') {
      const removed = this.hub.unsubscribeAll(session);
      return successReply(requestId, { unsubscribed: removed, subscribed: session.bindings() });
    }
    this.hub.unsubscribe(session, target.accountId, target.bindings);
    return successReply(requestId, { unsubscribed: target.bindings, subscribed: session.bindings() });
  }
}
