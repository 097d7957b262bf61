// Owns the reply envelope `{action:"reply", request_id, status, data}`: the only shape of answers to commands.

export type ReplyStatus = 'success' | 'error';

export interface Reply {
  action: 'reply';
  request_id: string;
  status: ReplyStatus;
  data: Record<string, unknown>;
}

/**
 * A success reply.
 * @example successReply("r1", { response: "pong" })
 */
export function successReply(requestId: string, data: Record<string, unknown>): Reply {
  return { action: 'reply', request_id: requestId, status: 'success', data };
}

/**
 * An error reply carrying one human-readable text, in KAZOO's `data.errors` array.
 * @example errorReply("r1", "authentication token required")
 */
export function errorReply(requestId: string, text: string): Reply {
  return { action: 'reply', request_id: requestId, status: 'error', data: { errors: [text] } };
}

/** The first error text of a reply, if it is an error. */
export function replyError(reply: Reply): string | undefined {
  if (reply.status !== 'error') return undefined;
  const errors = reply.data['errors'];
  return Array.isArray(errors) && typeof errors[0] === 'string' ? errors[0] : undefined;
}
