// Owns the one step of handing a socket to a worker that Node's public API lacks: stopping the primary's
// own reads of it. The only module that touches a Node internal (the socket's `_handle`); the structure
// check exempts it by name.
import type net from 'node:net';

/**
 * Stops the primary's reads of a socket it is about to hand over. `pause()` alone does not: the handle
 * goes on reading into the stream's buffer, and once the socket is sent Node drops whatever the
 * primary's copy reads until the worker's acknowledgement closes it. A client that writes as soon as
 * the worker answered (a WebSocket's first frame right after the 101) could lose those bytes (measured:
 * 2 of 800 first requests, without this). The handle's `reading` flag stays set, so the stream never
 * starts reading again.
 * @example socket.pause(); stopReading(socket); worker.send(message, socket);
 */
export function stopReading(socket: net.Socket): void {
  (socket as unknown as { _handle?: { readStop?: () => number } })._handle?.readStop?.();
}
