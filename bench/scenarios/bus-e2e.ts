// The design not built, measured for comparison: account bindings on a node exchange of its own
// (exchange-to-exchange, KAZOO's exchange -> node exchange -> queue). Rows: binding the 10,000 account
// bindings exchange-to-exchange over 16 channels (what a first start, and a broker restart, which
// drops every binding from KAZOO's non-durable exchanges, would cost), and a queue lost while the node
// exchange kept its bindings (a new queue and one binding). Raw amqplib on the bench vhost; the
// routing through both hops is checked before the numbers count.
import * as amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import { AMQP_URL } from '../lib/broker';
import { accountBindings, type BusRow } from './bus-rebind';

const SOURCE = 'bench.e2e.configuration';

async function routedThrough(channel: amqp.ConfirmChannel, queue: string, key: string): Promise<void> {
  channel.publish(SOURCE, key, Buffer.from('{}'));
  await channel.waitForConfirms();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await channel.get(queue, { noAck: true })) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('bench: an event did not reach the queue through the node exchange');
}

/**
 * The exchange-to-exchange rows for `bindings` account bindings.
 * @example const rows = await e2eRows(10_000, log);
 */
export async function e2eRows(bindings: number, log: (line: string) => void): Promise<Array<Omit<BusRow, 'ratio'>>> {
  const connection = await amqp.connect(AMQP_URL);
  const node = `bench.e2e.node.${randomBytes(4).toString('hex')}`;
  try {
    const admin = await connection.createConfirmChannel();
    await admin.assertExchange(SOURCE, 'topic', { durable: false });
    await admin.assertExchange(node, 'fanout', { durable: true, autoDelete: false });
    const channels = await Promise.all(Array.from({ length: 16 }, () => connection.createChannel()));
    const all = accountBindings(bindings, 'e');
    let t0 = Date.now();
    await Promise.all(channels.map(async (ch, c) => {
      for (let i = c; i < all.length; i += channels.length) await ch.bindExchange(node, SOURCE, all[i]!.routingKey);
    }));
    const bindAllMs = Date.now() - t0;
    let queue = (await admin.assertQueue('', { exclusive: true })).queue;
    await admin.bindQueue(queue, node, '');
    await routedThrough(admin, queue, all[bindings - 1]!.routingKey.replace(/\*$/, 'x'));
    // The queue goes; the node exchange keeps every account binding.
    await admin.deleteQueue(queue);
    t0 = Date.now();
    queue = (await admin.assertQueue('', { exclusive: true })).queue;
    await admin.bindQueue(queue, node, '');
    const restoreMs = Date.now() - t0;
    await routedThrough(admin, queue, all[0]!.routingKey.replace(/\*$/, 'x'));
    await Promise.all(channels.map((ch) => ch.close()));
    await admin.deleteExchange(node);
    log(`  e2e: ${bindAllMs} ms to bind ${bindings} exchange-to-exchange, ${restoreMs} ms after a queue loss`);
    const label = `${bindings.toLocaleString('en-US')} bindings live again`;
    return [
      { scenario: 'rebind', variant: 'not built: exchange-to-exchange, bindings from KAZOO\'s exchange lost (broker restart), 16 channels', measure: label, ms: bindAllMs, perSecond: Math.round((bindings / Math.max(1, bindAllMs)) * 1000) },
      { scenario: 'rebind', variant: 'not built: exchange-to-exchange, queue lost, node exchange kept (new queue + 1 binding)', measure: label, ms: restoreMs, perSecond: Math.round((bindings / Math.max(1, restoreMs)) * 1000) },
    ];
  } finally {
    await connection.close().catch(() => undefined);
  }
}
