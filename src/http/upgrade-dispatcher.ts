// Owns sharing one HTTP port: after Socket.IO v4 attaches, take over the server's `request` and
// `upgrade` listeners and send each request to the route that claims it, else to the saved listeners.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** A route claims requests by URL before Socket.IO/engine.io sees them. */
export interface Route {
  readonly name: string;
  claims(url: string): boolean;
  handleRequest?(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

type Listener = (...args: unknown[]) => void;

/**
 * Installs routes in front of whatever listens on `server` now (engine.io and the app handler).
 * Upgrades that no route claims and that are not under `/socket.io/` go to `fallbackUpgrade`.
 * @example installDispatcher(httpServer, [legacyRoute], (req, socket, head) => ws.handleUpgrade(req, socket, head));
 */
export function installDispatcher(
  server: Server,
  routes: readonly Route[],
  fallbackUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
): void {
  const savedRequest = server.listeners('request').slice() as Listener[];
  const savedUpgrade = server.listeners('upgrade').slice() as Listener[];
  server.removeAllListeners('request');
  server.removeAllListeners('upgrade');

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const route = routes.find((r) => r.handleRequest && r.claims(req.url ?? '/'));
    if (route) return route.handleRequest!(req, res);
    for (const l of savedRequest) l.call(server, req, res);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? '/';
    const route = routes.find((r) => r.handleUpgrade && r.claims(url));
    if (route) return route.handleUpgrade!(req, socket, head);
    if (url.startsWith('/socket.io/')) {
      for (const l of savedUpgrade) l.call(server, req, socket, head);
      return;
    }
    fallbackUpgrade(req, socket, head);
  });
}
