// Owns putting a worker's affinity cookie on the WebSocket upgrades it answers, so a browser's next
// connection (a reconnect after a drop) comes back to the worker that parked what it missed. Plain HTTP
// responses get it from the upgrade dispatcher. Knows the `ws` server's hook, nothing of routing.
import type { WebSocketServer } from 'ws';
import type { WorkerPlacement } from './parts';

/**
 * Adds `Set-Cookie` to every 101 response of `wss` when this process is a worker; nothing otherwise.
 * @example markUpgrades(this.wss, parts.worker);
 */
export function markUpgrades(wss: WebSocketServer, worker: WorkerPlacement | undefined): void {
  if (!worker) return;
  const line = `Set-Cookie: ${worker.affinityCookie}`;
  wss.on('headers', (headers: string[]) => headers.push(line));
}
