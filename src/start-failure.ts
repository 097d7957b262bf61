// Owns the one-line message for a bridge that could not start (a busy or forbidden port, an
// unreachable address): which setting to change, no stack trace. Pure; main.ts prints it.
import type { Config } from './config';

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  port?: number;
  address?: string;
}

/**
 * What to tell the operator when `startApp` failed.
 * @example startFailureText(err, config) // "port 5555 on 0.0.0.0 is already in use (EH_PORT / --port): …"
 */
export function startFailureText(err: unknown, config: Pick<Config, 'port' | 'host'>): string {
  const e = err as SystemError;
  if (e && e.syscall === 'listen') {
    const where = `port ${e.port ?? config.port} on ${e.address ?? config.host}`;
    if (e.code === 'EADDRINUSE') return `${where} is already in use (EH_PORT / --port): stop the process holding it (e.g. Blackhole: sup kapps_controller stop_app blackhole) or choose another port`;
    if (e.code === 'EACCES') return `${where} needs privileges this process lacks (EH_PORT / --port): use a port above 1023 or grant CAP_NET_BIND_SERVICE`;
    if (e.code === 'EADDRNOTAVAIL') return `${where}: no such local address (EH_HOST / --host)`;
  }
  const message = e instanceof Error ? e.message : String(err);
  const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : '';
  return `${message}${cause}`;
}
