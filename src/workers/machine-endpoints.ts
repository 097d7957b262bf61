// Owns the HTTP endpoints the primary answers for the whole machine: `/metrics` (every worker's
// metrics merged by prom-client's AggregatorRegistry) and `/readyz` (ready when every worker is).
// Knows how to ask workers, not what their metrics or checks mean.
import http from 'node:http';
import type net from 'node:net';
import { AggregatorRegistry } from 'prom-client';
import type { Readiness } from '../ops/health';

export interface MachineParts {
  /** How many workers the machine should run. */
  expected: number;
  /** Each live worker's readiness, asked over IPC (a worker that did not answer in time is missing). */
  readiness(): Promise<Array<{ index: number; readiness: Readiness }>>;
}

/** How bad each Redis state is: the machine reports its worst worker's. */
const REDIS_RANK: Record<string, number> = { off: 0, ok: 1, degraded: 2 };

/** The machine's `redis` and `redis_detail`: the worst state a worker reports, with that worker's detail. */
function redisOf(all: readonly Readiness[]): { redis?: unknown; redis_detail?: unknown } {
  let worst: Readiness['checks'] | undefined;
  for (const { checks } of all) {
    if (!worst || (REDIS_RANK[String(checks['redis'])] ?? 3) > (REDIS_RANK[String(worst['redis'])] ?? 3)) worst = checks;
  }
  return worst ? { redis: worst['redis'], redis_detail: worst['redis_detail'] } : {};
}

/**
 * Machine-wide /metrics and /readyz, on sockets the dispatcher hands over. One request per connection.
 * @example const endpoints = new MachineEndpoints({ expected: 2, readiness }); endpoints.accept(socket, head);
 */
export class MachineEndpoints {
  private readonly registry = new AggregatorRegistry();
  private readonly server = http.createServer((req, res) => {
    res.shouldKeepAlive = false;
    const path = (req.url ?? '/').split('?')[0];
    const answer = path === '/metrics' ? this.metrics() : this.ready();
    answer.then(
      ({ status, type, body }) => {
        res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: Error) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`${path} failed: ${err.message}`);
      },
    );
  });

  constructor(private readonly parts: MachineParts) {}

  /** Serves the request whose first bytes (`head`) the dispatcher read from `socket`. */
  accept(socket: net.Socket, head: Buffer): void {
    socket.unshift(head);
    this.server.emit('connection', socket);
    socket.resume();
  }

  private async metrics(): Promise<{ status: number; type: string; body: string }> {
    return { status: 200, type: this.registry.contentType, body: await this.registry.clusterMetrics() };
  }

  /** Ready when every expected worker answers ready; the body keeps the single process's fields, summed. */
  private async ready(): Promise<{ status: number; type: string; body: string }> {
    const answers = await this.parts.readiness();
    const all = answers.map((a) => a.readiness);
    const ready = answers.length === this.parts.expected && all.every((r) => r.ready);
    const bindings = all.reduce((n, r) => n + Number(r.checks['bindings'] ?? 0), 0);
    const body = {
      status: ready ? 'ready' : 'not ready',
      rabbitmq: all.length > 0 && all.every((r) => r.checks['rabbitmq'] === 'ok') ? 'ok' : 'down',
      bindings,
      amqp_reconnects: all.reduce((n, r) => n + Number(r.checks['amqp_reconnects'] ?? 0), 0),
      draining: all.some((r) => r.checks['draining'] === true),
      ...redisOf(all),
      workers_ready: `${all.filter((r) => r.ready).length}/${this.parts.expected}`,
      workers: answers.map((a) => ({ index: a.index, ready: a.readiness.ready, ...a.readiness.checks })),
    };
    return { status: ready ? 200 : 503, type: 'application/json', body: JSON.stringify(body) };
  }
}
