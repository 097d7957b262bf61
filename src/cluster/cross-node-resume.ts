// Owns the raw WebSocket `resume` of a session this node does not park: taken over from Redis (another
// node's, or one that died), its subscriptions moved to the resuming connection, the missed events
// replayed from the shared history, in that order with no I/O between the last read and the replay.
import type { Logger } from 'pino';
import type { Identity } from '../auth/authenticator';
import type { Session } from '../hub/session';
import type { Command } from '../protocol/commands';
import { errorReply, Reply, successReply } from '../protocol/replies';
import type { ResumeAccess } from '../recovery/session-recovery';
import type { SharedRecovery } from './shared-recovery';

const UNKNOWN_TOKEN = 'resume token unknown or expired: subscribe again';

export interface CrossNodeResumeOptions {
  shared: SharedRecovery;
  access: ResumeAccess;
  /** The resume token the resuming connection gets (the parking lot's). */
  tokenOf(session: Session): string;
  logger: Logger;
}

/**
 * The `resume` of an unknown token, for SessionRecovery's `remote` hook.
 * @example recovery.remote = crossNodeResume({ shared, access, tokenOf: (s) => lot.tokenOf(s), logger });
 */
export function crossNodeResume(opts: CrossNodeResumeOptions) {
  return async (session: Session, command: Extract<Command, { action: 'resume' }>, identity: Identity): Promise<Reply | undefined> => {
    const { requestId, resumeToken } = command;
    const token = command.authToken ?? '';
    const accounts = new Set<string>();
    const restored = await opts.shared.restore(resumeToken, {
      authorize: async (record) => {
        if (record.resumption !== 'by-command') return UNKNOWN_TOKEN;
        for (const accountId of new Set(record.subscriptions.map((s) => s.accountId))) {
          const denied = await opts.access.authorize(identity, accountId, token);
          if (denied) return denied;
          accounts.add(accountId);
        }
        return undefined;
      },
    });
    if (!restored) return errorReply(requestId, UNKNOWN_TOKEN);
    if ('error' in restored) return errorReply(requestId, restored.error);
    const { holder, entries, complete } = restored;
    const before = new Set([...session.held.values()].map((h) => h.accountId));
    // From the last read to the last replayed write nothing yields to I/O (the rooms exist here).
    const failed = session.closed ? UNKNOWN_TOKEN : await opts.shared.handOver(holder, session);
    opts.shared.release(holder);
    if (failed) return errorReply(requestId, failed);
    // The accounts resumed here hold on the resuming token (it was authorized for them): its end ends them.
    for (const accountId of accounts) if (!before.has(accountId)) opts.access.granted(session, accountId, token, identity);
    session.transport.reply(successReply(requestId, { subscribed: session.bindings(), recovered: complete, missed: entries.length, resume_token: opts.tokenOf(session) }), {});
    session.transport.replay(entries.map((e) => e.envelope));
    opts.logger.info({ session: session.id, missed: entries.length, recovered: complete }, 'websocket session resumed from the shared history');
    return undefined;
  };
}
