// Owns what the harness asks of the local RabbitMQ: a vhost of its own (so benchmark floods never
// reach other users' queues), the broker's version and process, and binding counts per queue.
// Knows nothing about the systems under test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export const BENCH_VHOST = 'bench';
export const AMQP_URL = `amqp://guest:guest@127.0.0.1:5672/${BENCH_VHOST}`;

function rabbitmqctl(args: string[]): string {
  return execFileSync('rabbitmqctl', ['-q', ...args], { encoding: 'utf8', timeout: 30_000 });
}

/** Creates the benchmark vhost and grants guest on it when missing. */
export function ensureBenchVhost(): void {
  const vhosts = rabbitmqctl(['list_vhosts', 'name']).split('\n').map((l) => l.trim());
  if (vhosts.includes(BENCH_VHOST)) return;
  rabbitmqctl(['add_vhost', BENCH_VHOST]);
  rabbitmqctl(['set_permissions', '-p', BENCH_VHOST, 'guest', '.*', '.*', '.*']);
}

/**
 * Enables the broker's Web-STOMP plugin (a peer in the comparison) when it is off, as
 * scripts/services.sh does; returns why it could not, so a run says so instead of failing every client.
 */
export function ensureWebStomp(): string | undefined {
  try {
    const enabled = execFileSync('rabbitmq-plugins', ['list', '-e', '-m'], { encoding: 'utf8', timeout: 60_000 });
    if (enabled.split('\n').some((l) => l.trim() === 'rabbitmq_web_stomp')) return undefined;
    execFileSync('rabbitmq-plugins', ['enable', '--quiet', 'rabbitmq_web_stomp'], { encoding: 'utf8', timeout: 120_000 });
    return undefined;
  } catch (err) {
    return `rabbitmq_web_stomp could not be enabled: ${(err as Error).message.split('\n')[0]}`;
  }
}

export function rabbitVersion(): string {
  try {
    return rabbitmqctl(['version']).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * The RabbitMQ server's (beam.smp) process id, for CPU accounting. `rabbitmqctl` runs a short-lived
 * beam.smp of its own, so the server is the one booting the `rabbit` application.
 */
export function brokerPid(): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'beam.smp') continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('rabbit\0boot')) return Number(entry);
    } catch {
      /* process gone */
    }
  }
  return undefined;
}

/** Bindings from `callevt` in the bench vhost, counted per destination queue. */
export function bindingsPerQueue(): Map<string, number> {
  const out = new Map<string, number>();
  const rows = rabbitmqctl(['list_bindings', '-p', BENCH_VHOST, 'source_name', 'destination_name']).split('\n');
  for (const row of rows) {
    const [source, destination] = row.split('\t');
    if (source !== 'callevt' || !destination) continue;
    out.set(destination, (out.get(destination) ?? 0) + 1);
  }
  return out;
}

/** Per-process file-descriptor limits that bound connection counts on this machine. */
export function descriptorLimits(): { harness: number; broker?: number } {
  const limitOf = (pid: number | 'self') => {
    const text = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
    return Number(/Max open files\s+(\d+)/.exec(text)?.[1] ?? NaN);
  };
  const pid = brokerPid();
  return { harness: limitOf('self'), ...(pid ? { broker: limitOf(pid) } : {}) };
}
