// Owns handing each batch to its writers in one fixed order: the recorder (gives the batch its history
// position), every transport, then the read-only observers (metrics, the console). Deliveries from the
// broker and server-side broadcasts both enter here, so "named event, then message" has one writer per
// transport. A writer that throws is counted and logged; the others still write.
import type { Logger } from 'pino';
import type { FanoutBatch, FanoutObserver } from './fanout';
import type { Hub } from './hub';
import type { Transport } from './transport';

export interface EventFanoutOptions {
  hub: Hub;
  logger: Logger;
  /** Every transport, in the order of app.ts. */
  transports: readonly Transport[];
  /** Runs before the transports (missed-event recovery stamps the batch). */
  recorder?: { record(batch: FanoutBatch): void };
  /** Read-only observers, after the transports. */
  observers?: readonly FanoutObserver[];
}

/**
 * The node's fan-out.
 * @example const fanout = new EventFanout({ hub, logger, transports }); bus.onMessage = fanout.deliver; fanout.broadcast(room, 'notice', {});
 */
export class EventFanout {
  private readonly observers: FanoutObserver[];

  constructor(private readonly opts: EventFanoutOptions) {
    this.observers = [...(opts.observers ?? [])];
  }

  /** One AMQP delivery, routed by the hub and written to every room it reached. */
  deliver = (exchange: string, routingKey: string, content: Buffer): void => {
    for (const batch of this.opts.hub.route(exchange, routingKey, content)) this.write(batch);
  };

  /** A push to one room of this node (every transport's members); returns how many members it reached. */
  broadcast(room: string, event: string, data: Record<string, unknown>): number {
    const batch = this.opts.hub.broadcastBatch(room, event, data);
    if (!batch) return 0;
    this.write(batch);
    return batch.hits[0]!.room.size;
  }

  /** Observes every batch until the returned function is called (a console that only counts while watched). */
  observe(observer: FanoutObserver): () => void {
    this.observers.push(observer);
    return () => {
      const at = this.observers.indexOf(observer);
      if (at >= 0) this.observers.splice(at, 1);
    };
  }

  private write(batch: FanoutBatch): void {
    const { hub, logger, recorder, transports } = this.opts;
    recorder?.record(batch);
    for (const transport of transports) {
      try {
        transport.deliver(batch);
      } catch (err) {
        hub.counters.fanoutErrors++;
        logger.error({ err, target: transport.name }, 'fan-out failed');
      }
    }
    for (const observer of this.observers) {
      try {
        observer.observe(batch);
      } catch (err) {
        hub.counters.fanoutErrors++;
        logger.error({ err }, 'fan-out observer failed');
      }
    }
  }
}
