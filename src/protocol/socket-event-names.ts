// Owns the Socket.IO event names the bridge must never emit as an event's name: the ones Socket.IO
// reserves for itself, and the ones of the KAZOO protocol's own traffic. Pure data.

/** Names Socket.IO (v4 and 0.9 clients alike) keeps for its own use; emitting one throws or misleads. */
export const SOCKET_IO_RESERVED: ReadonlySet<string> = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** What the 0.9 client emits on its socket itself (socket.io-client 0.9's socket.js and namespace.js). */
const SOCKET_IO_09_CLIENT_EVENTS = ['connecting', 'connect_failed', 'reconnect', 'reconnecting', 'reconnect_failed'];

/**
 * Names an application event must not take as-is: the reserved ones, the protocol's own events
 * (`message`, errors, the legacy commands), and what a 0.9 page hears from its own client (a
 * server event named `reconnect` would run the page's reconnect handler).
 */
export const PROTOCOL_EVENT_NAMES: ReadonlySet<string> = new Set([
  ...SOCKET_IO_RESERVED,
  ...SOCKET_IO_09_CLIENT_EVENTS,
  'message', 'error', 'auth_failure', 'subscribe', 'unsubscribe',
]);

/**
 * Whether an event may go out under its own name (`CHANNEL_CREATE`, …) on Socket.IO connections.
 * @example mayEmitAsNamedEvent('CHANNEL_CREATE') // true
 */
export function mayEmitAsNamedEvent(name: string): boolean {
  return !SOCKET_IO_RESERVED.has(name);
}
