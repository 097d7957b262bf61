// Owns readiness (is this node fit for new clients?) and the `GET /metrics` route; the HTTP module
// serves what these return. Knows the bus and the drain flag through small interfaces, no transports.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from '../http/json-io';
import type { OpsMetrics } from './metrics';

/**
 * One named readiness check: `ok` false makes `/readyz` answer 503. `state` is what the body shows under
 * the check's name (`ok`/`down` from `ok` when unset); a dependency the node can run without reports
 * `ok: true` with a state of its own (`degraded`, `off`), so the body never says `ok` for something away.
 */
export interface ReadinessCheck {
  name: string;
  check(): { ok: boolean; state?: string; detail?: unknown };
}

/** What `/readyz` reports. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, unknown>;
}

/**
 * Readiness of one node: RabbitMQ connected with every binding live, not draining, plus any extra
 * check given (Redis when clustering is configured).
 * @example const r = new ReadinessChecks(bus, () => draining, [{ name: 'redis', check: () => ({ ok: redis.isReady }) }]); r.evaluate();
 */
export class ReadinessChecks {
  constructor(
    private readonly bus: { readonly ready: boolean; readonly boundCount: number; readonly reconnects: number },
    private readonly draining: () => boolean,
    private readonly extra: readonly ReadinessCheck[] = [],
  ) {}

  evaluate(): Readiness {
    const draining = this.draining();
    const rabbit = this.bus.ready;
    const checks: Record<string, unknown> = {
      rabbitmq: rabbit ? 'ok' : 'down',
      bindings: this.bus.boundCount,
      amqp_reconnects: this.bus.reconnects,
      draining,
    };
    let ready = rabbit && !draining;
    for (const c of this.extra) {
      const result = c.check();
      checks[c.name] = result.state ?? (result.ok ? 'ok' : 'down');
      if (result.detail !== undefined) checks[`${c.name}_detail`] = result.detail;
      ready &&= result.ok;
    }
    return { ready, checks };
  }
}

/**
 * Serves `GET /metrics` in the Prometheus text format from one app's own registry.
 * @example httpRoutes({ …, handlers: [metricsRoute(metrics), …] })
 */
export function metricsRoute(metrics: OpsMetrics): RequestHandler {
  return (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics') return false;
    metrics.render().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: Error) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`metrics failed: ${err.message}`);
      },
    );
    return true;
  };
}
