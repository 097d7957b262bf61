// Reads the broker's real state (bindings of a queue) with rabbitmqctl, so tests check RabbitMQ itself.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The `exchange routing-key` pairs bound to a queue, as RabbitMQ reports them. */
export async function brokerBindings(queue: string): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', ['list_bindings', '-q', '--formatter', 'json', 'source_name', 'routing_key', 'destination_name'], { timeout: 20000 });
  const rows = JSON.parse(stdout) as Array<{ source_name: string; routing_key: string; destination_name: string }>;
  return rows.filter((r) => r.destination_name === queue && r.source_name !== '').map((r) => `${r.source_name} ${r.routing_key}`).sort();
}

/** One numeric column of `rabbitmqctl list_queues` for one queue; undefined when there is no such queue. */
async function queueCounter(queue: string, column: 'messages' | 'messages_unacknowledged'): Promise<number | undefined> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--formatter', 'json', 'name', column], { timeout: 20000 });
  const rows = JSON.parse(stdout) as Array<{ name: string } & Record<typeof column, number>>;
  return rows.find((r) => r.name === queue)?.[column];
}

/** Messages waiting in a queue (ready or unacknowledged), as RabbitMQ reports them; undefined when there is no such queue. */
export function brokerQueueDepth(queue: string): Promise<number | undefined> {
  return queueCounter(queue, 'messages');
}

/** Deliveries of a queue that its consumers hold unacknowledged, as RabbitMQ reports them. */
export function brokerUnacknowledged(queue: string): Promise<number | undefined> {
  return queueCounter(queue, 'messages_unacknowledged');
}
