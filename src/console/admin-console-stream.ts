// Owns `GET /api/stream`, the operator console's live feed as server-sent events: one sample a second,
// the cluster's nodes and this node's rooms every two. Sampling and room counting run only while at
// least one stream is open; the last one to close stops them.
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ClusterStats } from '../cluster/node-stats';
import type { Hub } from '../hub/hub';
import type { FanoutObserver } from '../hub/fanout';
import type { ConsoleSample, ConsoleSeries } from './console-series';
import { RoomEventCounter } from './room-event-counter';

export interface ConsoleStreamOptions {
  hub: Hub;
  /** Where the room counter observes the fan-out while a stream is open. */
  fanout: { observe(observer: FanoutObserver): () => void };
  series: ConsoleSeries;
  node: string;
  version: string;
  stats: () => Promise<ClusterStats>;
  logger: Logger;
  /** Nodes and rooms are sent every this many samples. */
  slowEvery?: number;
}

/**
 * The open console streams of this node.
 * @example const streams = new ConsoleStreams(opts); streams.open(res); … streams.close();
 */
export class ConsoleStreams {
  private readonly clients = new Set<ServerResponse>();
  private readonly rooms = new RoomEventCounter();
  private ticks = 0;
  private stopCounting?: () => void;

  constructor(private readonly opts: ConsoleStreamOptions) {}

  get size(): number {
    return this.clients.size;
  }

  /** Starts streaming to `res` (headers written here); it leaves when the request closes. */
  open(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    this.clients.add(res);
    res.on('close', () => this.leave(res));
    if (this.clients.size === 1) {
      this.stopCounting = this.opts.fanout.observe(this.rooms);
      this.rooms.take([]);
      this.opts.series.start((sample) => this.tick(sample));
    }
    this.send(res, 'hello', { node: this.opts.node, version: this.opts.version, interval_ms: 1000, history: this.opts.series.history });
    void this.sendNodes([res]);
  }

  private leave(res: ServerResponse): void {
    if (!this.clients.delete(res) || this.clients.size > 0) return;
    this.opts.series.stop();
    this.stopCounting?.();
    this.stopCounting = undefined;
  }

  private send(res: ServerResponse, event: string, data: unknown): void {
    if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private tick(sample: ConsoleSample): void {
    for (const res of this.clients) this.send(res, 'sample', sample);
    if (++this.ticks % (this.opts.slowEvery ?? 2) !== 0) return;
    const rooms = this.rooms.take(this.opts.hub.index.allRooms());
    for (const res of this.clients) this.send(res, 'rooms', { node: this.opts.node, rooms });
    void this.sendNodes([...this.clients]);
  }

  private async sendNodes(to: ServerResponse[]): Promise<void> {
    try {
      const stats = await this.opts.stats();
      for (const res of to) this.send(res, 'nodes', stats);
    } catch (err) {
      this.opts.logger.debug({ err: (err as Error).message }, 'console stream: cluster stats unavailable');
    }
  }

  /** Ends every stream (shutdown). */
  close(): void {
    for (const res of [...this.clients]) res.end();
    this.clients.clear();
    this.opts.series.stop();
    this.stopCounting?.();
    this.stopCounting = undefined;
  }
}
