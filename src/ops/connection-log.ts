// Owns the connection log at info level: one line when a connection opens and one when it closes (with
// why, how long it lasted and the accounts it subscribed to), so an operator can answer "who was
// connected when" from the log alone. A hub session observer: knows no transport.
import type { Logger } from 'pino';
import type { Session, SessionObserver } from '../hub/session';

/**
 * @example new Hub({ …, observers: [connectionLog(logger, "node-a")] });
 */
export function connectionLog(logger: Logger, node: string): SessionObserver {
  const who = (session: Session) => ({ session: session.id, generation: session.transport.label, ip: session.transport.remoteAddress, node });
  return {
    opened(session) {
      logger.info(who(session), 'connection opened');
    },
    closed(session, reason) {
      logger.info(
        { ...who(session), reason, durationMs: Date.now() - session.connectedAt, accounts: [...session.accounts], bindings: session.bindings().length },
        'connection closed',
      );
    },
  };
}
