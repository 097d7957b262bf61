// Owns assembling the operator console from the app's parts: its time series, the cluster-wide
// connection directory, the live streams and the HTTP routes, plus what the cluster reports about
// this node (broker state, drain). Knows no wire format; the composition root hands everything in.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { LimitsCounters } from '../guard/limits-counters';
import type { Cluster } from '../cluster/cluster';
import type { ConnectionDirectory } from '../cluster/connection-directory';
import type { Hub } from '../hub/hub';
import type { FanoutObserver } from '../hub/fanout';
import { adminConsole } from './admin-console';
import { ConsoleStreams } from './admin-console-stream';
import type { RequestHandler } from '../http/json-io';
import { ConsoleSeries } from './console-series';
import type { Operations } from '../ops/operations';

export interface OperatorConsoleParts {
  adminToken: string | undefined;
  publicDir: string;
  hub: Hub;
  /** The fan-out, observed (room rates) while a console stream is open. */
  fanout: { observe(observer: FanoutObserver): () => void };
  bus: { readonly ready: boolean; readonly boundCount: number; readonly reconnects: number };
  cluster: Cluster;
  ops: Operations;
  limits?: LimitsCounters;
  addressOf: (req: IncomingMessage) => { ip: string };
  version: string;
  logger: Logger;
}

/**
 * The console of one node.
 * @example const console = new OperatorConsole(parts); handlers: [console.handler, …]; … console.close();
 */
export class OperatorConsole {
  readonly directory: ConnectionDirectory;
  readonly streams: ConsoleStreams;
  readonly handler: RequestHandler;

  constructor(parts: OperatorConsoleParts) {
    const { hub, bus, cluster, ops, logger } = parts;
    this.directory = cluster.directory;
    const series = new ConsoleSeries({ hub, bus, registry: ops.metrics.registry, limits: parts.limits });
    this.streams = new ConsoleStreams({ hub, fanout: parts.fanout, series, node: cluster.node, version: parts.version, stats: () => cluster.stats(), logger });
    this.handler = adminConsole({ adminToken: parts.adminToken, publicDir: parts.publicDir, streams: this.streams, directory: this.directory, addressOf: parts.addressOf, logger });
  }

  /** The routes, for a handler list built before the console exists. */
  route(req: IncomingMessage, res: ServerResponse): boolean {
    return this.handler(req, res);
  }

  /** Ends the open streams (before the drain waits for connections to close). */
  close(): void {
    this.streams.close();
  }
}
