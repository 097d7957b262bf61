// Owns the metrics about connections and the wire: connections opened and closed by generation (a hub
// session observer given to the hub at construction), bytes read and written on the client port (TCP
// sockets of the HTTP server, read at scrape time, so the event path does nothing more), and the
// build-info metric. Knows no transport.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Session, SessionObserver } from '../hub/session';
import { counterFrom } from './counter-metrics';

/**
 * Counts connections opened and closed by generation: a hub session observer, given to the hub at
 * construction and read by the metrics at scrape time.
 * @example const connections = new ConnectionCounters(); new Hub({ …, observers: [connections] });
 */
export class ConnectionCounters implements SessionObserver {
  readonly openedBy = new Map<string, number>();
  readonly closedBy = new Map<string, number>();

  opened(session: Session): void {
    const label = session.transport.label;
    this.openedBy.set(label, (this.openedBy.get(label) ?? 0) + 1);
  }

  closed(session: Session): void {
    const label = session.transport.label;
    this.closedBy.set(label, (this.closedBy.get(label) ?? 0) + 1);
  }
}

/**
 * `eh_connections_opened_total{generation}` and `eh_connections_closed_total{generation}`, every
 * generation present from the start.
 * @example registerConnectionCounters(registry, connections, () => ['websocket']);
 */
export function registerConnectionCounters(registry: Registry, counts: ConnectionCounters, labels: () => readonly string[]): void {
  for (const [name, help, by] of [
    ['eh_connections_opened_total', 'Client connections opened, by client generation', counts.openedBy],
    ['eh_connections_closed_total', 'Client connections closed (by either side), by client generation', counts.closedBy],
  ] as const) {
    new Counter({
      name,
      help,
      labelNames: ['generation'],
      registers: [registry],
      collect() {
        this.reset();
        const known = labels();
        for (const generation of known) this.inc({ generation }, by.get(generation) ?? 0);
        for (const [generation, n] of by) if (!known.includes(generation)) this.inc({ generation }, n);
      },
    });
  }
}

/**
 * `eh_bytes_received_total` and `eh_bytes_sent_total`: every byte on the client port's TCP connections
 * (WebSocket frames, Socket.IO polling, HTTP, TLS records when built-in TLS is on), closed ones included.
 * @example registerWireBytes(registry, httpServer);
 */
export function registerWireBytes(registry: Registry, server: Server): void {
  const open = new Set<Socket>();
  let closedRead = 0;
  let closedWritten = 0;
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      closedRead += socket.bytesRead;
      closedWritten += socket.bytesWritten;
    });
  });
  const total = (read: boolean) => {
    let n = read ? closedRead : closedWritten;
    for (const s of open) n += read ? s.bytesRead : s.bytesWritten;
    return n;
  };
  counterFrom(registry, 'eh_bytes_received_total', 'Bytes received from clients on the client port (all TCP connections, since start)', () => total(true));
  counterFrom(registry, 'eh_bytes_sent_total', 'Bytes sent to clients on the client port (all TCP connections, since start)', () => total(false));
}

/**
 * `eh_build_info{version,commit,node,nodejs} 1`, the usual way to put a build's identity on dashboards.
 * @example registerBuildInfo(registry, { version: VERSION, commit: COMMIT, node: cluster.node });
 */
export function registerBuildInfo(registry: Registry, info: { version: string; commit: string; node: string }): void {
  const gauge = new Gauge({ name: 'eh_build_info', help: 'Build and node identity (always 1)', labelNames: ['version', 'commit', 'node', 'nodejs'], registers: [registry] });
  gauge.set({ ...info, nodejs: process.version }, 1);
}
