// Owns "once" across a lost broker connection: remembers the last deliveries this node handled, so a
// message RabbitMQ delivers again (flagged `redelivered`, because its acknowledgement never reached the
// broker) is recognised and not handed to the clients a second time. Pure state; knows no AMQP.
//
// Why a window of `prefetch` deliveries is enough: RabbitMQ never has more than `prefetch`
// unacknowledged deliveries out to one consumer, and acknowledgements are cumulative, so what it
// requeues when a channel dies is always among the last `prefetch` deliveries of that channel.
import { createHash } from 'node:crypto';

interface Entry {
  fingerprint: string;
  /** False once a redelivery matched it: one handled delivery excuses one redelivery, not two. */
  live: boolean;
}

/** A delivery's identity: exchange, routing key and body. */
export function fingerprint(exchange: string, routingKey: string, content: Buffer): string {
  return createHash('sha1').update(exchange).update('\u0000').update(routingKey).update('\u0000').update(content).digest('base64');
}

/**
 * @example
 * const seen = new RedeliveryFilter(500);
 * if (seen.admit(fingerprint(ex, rk, body), msg.fields.redelivered)) hub.deliver(ex, rk, body);
 */
export class RedeliveryFilter {
  private readonly ring: Array<Entry | undefined>;
  private next = 0;
  private readonly live = new Map<string, number>();

  /** `window`: how many recent deliveries to remember (at least the consumer prefetch). */
  constructor(readonly window: number) {
    this.ring = new Array<Entry | undefined>(Math.max(1, window));
  }

  /**
   * Records a delivery and says whether to hand it on: false only for a redelivery of one already
   * handled (then that earlier one no longer excuses another copy).
   */
  admit(fp: string, redelivered: boolean): boolean {
    let handOn = true;
    if (redelivered) {
      const n = this.live.get(fp) ?? 0;
      if (n > 0) {
        handOn = false;
        this.consumeOne(fp);
      }
    }
    this.remember(fp);
    return handOn;
  }

  private consumeOne(fp: string): void {
    // The oldest live entry with this fingerprint is the one being redelivered (requeues keep order).
    for (let i = 0; i < this.ring.length; i++) {
      const entry = this.ring[(this.next + i) % this.ring.length];
      if (entry && entry.live && entry.fingerprint === fp) {
        entry.live = false;
        this.decrement(fp);
        return;
      }
    }
  }

  private remember(fp: string): void {
    const evicted = this.ring[this.next];
    if (evicted?.live) this.decrement(evicted.fingerprint);
    this.ring[this.next] = { fingerprint: fp, live: true };
    this.next = (this.next + 1) % this.ring.length;
    this.live.set(fp, (this.live.get(fp) ?? 0) + 1);
  }

  private decrement(fp: string): void {
    const n = (this.live.get(fp) ?? 0) - 1;
    if (n > 0) this.live.set(fp, n);
    else this.live.delete(fp);
  }
}
