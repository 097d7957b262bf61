// Owns what every transport is built from: the hub and the command pipeline it feeds, the settings,
// the guard in front of its sessions (limits, per-IP counting), and recovery. The composition root
// builds one of these and hands the same to every transport of its list.
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { InboundGuard } from '../guard/inbound-guard';
import type { ClientAddress } from '../guard/client-address';
import type { CommandHandler } from '../hub/command-handler';
import type { Hub } from '../hub/hub';
import type { ReconnectRecovery } from '../recovery/session-recovery';

/** Counting a transport's sessions against the per-IP cap (the guard's admission). */
export interface SessionCounter {
  /** Counts one connection of the request's IP until `closer` emits close; false when at the cap. */
  count(req: IncomingMessage, closer: { once(event: 'close', fn: () => void): unknown }): boolean;
  /** Counts a session that has no socket of its own (long polling) until the returned release runs. */
  countSession(req: IncomingMessage): () => void;
}

/**
 * This process as one worker of a machine: the machine's primary reads each connection's first request
 * and hands it to the worker whose prefix its session id carries.
 */
export interface WorkerPlacement {
  /** Put before every session id this worker issues (`w0_`), Engine.IO's and 0.9's alike. */
  sidPrefix: string;
  /** The `Set-Cookie` value on this worker's responses: the primary routes the browser's next connection here. */
  affinityCookie: string;
}

/**
 * Everything a transport needs.
 * @example const transports: Transport[] = [new WebSocketTransport(parts)];
 */
export interface TransportParts {
  config: Config;
  hub: Hub;
  handler: CommandHandler;
  logger: Logger;
  /** Rate and size limits on inbound messages. */
  guard: InboundGuard;
  /** The client address of a request (X-Forwarded-For from trusted proxies only). */
  addressOf(req: IncomingMessage): ClientAddress;
  sessions: SessionCounter;
  recovery: ReconnectRecovery;
  /** Set for a worker of a multi-worker machine; absent for a process of its own. */
  worker?: WorkerPlacement;
}
