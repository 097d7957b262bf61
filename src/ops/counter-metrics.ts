// Owns exposing a number that only grows (kept by the hub, the bus or the limits) as a Prometheus counter
// read at scrape time. Knows prom-client only; what is counted is the caller's business.
import { Counter, Registry } from 'prom-client';

/**
 * Registers counter `name` on `registry`; each scrape adds what `read()` grew by since the last one.
 * @example counterFrom(registry, 'eh_events_received_total', 'AMQP deliveries received', () => hub.counters.deliveries);
 */
export function counterFrom(registry: Registry, name: string, help: string, read: () => number): void {
  let reported = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > reported) this.inc(now - reported);
      reported = now;
    },
  });
}
