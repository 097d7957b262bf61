// Owns the naming of rooms: one per account and client binding, so two accounts never share one.

/**
 * The room for a binding held for an account.
 * @example roomName("4b8c…419", "call.CHANNEL_CREATE.*") // "4b8c…419/call.CHANNEL_CREATE.*"
 */
export function roomName(accountId: string, binding: string): string {
  return `${accountId}/${binding}`;
}
