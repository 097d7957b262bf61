// What coalescing costs the node: a coalesced shape brings every account's events of that shape into
// the node, and those of accounts nobody here subscribed are dropped in-process. This drains a queue
// filled beforehand with `doc_edited` user events of accounts this node does not serve, through the
// bus's own consumer into the real hub (catalogue routing and subscription matching, 10,000 account
// rooms of the same shape held), and reports the events dropped per second and the CPU per event.
// Baseline: the same drain with nothing routed (the consumer alone).
import * as amqp from 'amqplib';
import pino from 'pino';
import { BindingCatalogue } from '../../src/bindings/catalogue';
import { encodedAccountDb } from '../../src/bindings/families/object';
import { timedConsume } from '../lib/timed-consume';
import { Hub } from '../../src/hub/hub';
import type { EventBus } from '../../src/hub/event-bus';
import type { SessionTransport } from '../../src/hub/session';
import { AMQP_URL } from '../lib/broker';
import type { BusRow } from './bus-rebind';

const logger = pino({ level: 'silent' });
const COST_EXCHANGE = 'bench.coalesce-cost';

function account(salt: string, i: number): string {
  return `${salt}${String(i).padStart(31, '0')}`.slice(0, 32);
}

/** A hub holding `rooms` accounts' `object.doc_edited.user` on a bus that binds nothing. */
async function servingHub(rooms: number): Promise<Hub> {
  const bus: EventBus = { acquire: () => Promise.resolve(), release: () => undefined };
  const catalogue = new BindingCatalogue();
  const hub = new Hub({ catalogue, bus, logger, bindTimeoutMs: 5000, maxBindingsPerConnection: rooms + 1 });
  const transport = { send: () => undefined } as unknown as SessionTransport;
  const session = hub.openSession(transport);
  for (let i = 0; i < rooms; i++) {
    const acct = account('b', i);
    const planned = catalogue.plan('object.doc_edited.user', acct);
    if (!planned.ok) throw new Error(planned.error);
    const failed = await hub.subscribe(session, acct, [planned.plan]);
    if (failed) throw new Error(failed);
  }
  return hub;
}

async function drainInto(count: number, route: (exchange: string, key: string, body: Buffer) => void): Promise<{ ms: number; cpuUs: number }> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const publisher = await connection.createConfirmChannel();
    const queue = (await publisher.assertQueue('', { exclusive: true })).queue;
    // The bench vhost's own stand-in for KAZOO's `configuration`, bound as a coalesced shape would be.
    await publisher.assertExchange(COST_EXCHANGE, 'topic', { durable: false });
    await publisher.bindQueue(queue, COST_EXCHANGE, 'doc_edited.*.user.*');
    for (let i = 0; i < count; i++) {
      const acct = account('c', i % 5000);
      const db = encodedAccountDb(acct);
      const body = Buffer.from(JSON.stringify({ ID: `user-${i}`, Type: 'user', Database: decodeURIComponent(db), 'Account-ID': acct, 'Event-Category': 'configuration', 'Event-Name': 'doc_edited' }));
      if (!publisher.publish(COST_EXCHANGE, `doc_edited.${db}.user.user-${i}`, body, { contentType: 'application/json' })) await new Promise((r) => publisher.once('drain', r));
      if (i % 1000 === 999) await publisher.waitForConfirms();
    }
    await publisher.waitForConfirms();
    const channel = await connection.createChannel();
    return await timedConsume(channel, queue, count, { acknowledge: true, prefetch: 500, onMessage: (_exchange, key, body) => route('configuration', key, body) });
  } finally {
    await connection.close();
  }
}

/**
 * The cost rows for `count` foreign events.
 * @example const rows = await coalesceCostRows(50_000, log);
 */
export async function coalesceCostRows(count: number, log: (line: string) => void): Promise<BusRow[]> {
  const hub = await servingHub(10_000);
  let matched = 0;
  const variants: Array<[string, (exchange: string, key: string, body: Buffer) => void]> = [
    ['consumer only, nothing routed (baseline)', () => undefined],
    ['routed through the hub and dropped (other accounts, 10,000 rooms held)', (exchange, key, body) => void (matched += hub.route(exchange, key, body).length)],
  ];
  const rows: BusRow[] = [];
  for (const [variant, route] of variants) {
    const { ms, cpuUs } = await drainInto(count, route);
    rows.push({ scenario: 'coalesce-cost', variant, measure: `${count.toLocaleString('en-US')} other accounts' events`, ms: Math.round(ms), perSecond: Math.round((count / ms) * 1000), cpuUsPerItem: Math.round((cpuUs / count) * 100) / 100 });
    log(`  coalesce cost ${variant}: ${Math.round(ms)} ms`);
  }
  if (matched !== 0) throw new Error(`bench: ${matched} foreign events matched a room`);
  const base = rows[0]!.perSecond;
  for (const r of rows) r.ratio = Math.round((r.perSecond / base) * 100) / 100;
  return rows;
}
