// Event simulator: publishes realistic KAZOO events to RabbitMQ exactly as KAZOO does, so the bridge
// can be tried with no KAZOO at all. `npm run simulate -- --account <id> [--kind fax] [--count N] [--rate R]`.
import * as amqp from 'amqplib';
import { simulateCall } from '../src/simulator/simulate-call';
import { freshCallId } from '../src/simulator/kazoo-events';
import { EVENT_KINDS, EventKind } from '../src/simulator/kazoo-family-events';
import { ensureExchange, exchangeOf, simulateFamily } from '../src/simulator/simulate-family';

interface Options {
  account: string;
  count: number;
  rate: number;
  url: string;
  stepDelayMs: number;
  kind: EventKind | 'call';
  realm: string | undefined;
}

const USAGE = `Usage: npm run simulate -- --account <32-hex account id> [--count 1] [--rate 1] [--kind call] [--realm R] [--step-delay-ms 300] [--amqp-url URL]
  Publishes CHANNEL_CREATE, CHANNEL_ANSWER and CHANNEL_DESTROY for each simulated call,
  on the callevt exchange with KAZOO's routing keys, a fresh Call-ID per call.
  --count   calls to simulate (default 1)
  --rate    calls started per second (default 1)
  --kind    call (default) or one event per count of: ${EVENT_KINDS.join(', ')}
  --realm   the account's SIP realm, for presence and registration (default sim.example.com;
            give the bridge the same one in EH_REALMS_FILE)`;

function parse(argv: string[]): Options {
  const opts: Options = { account: '', count: 1, rate: 1, url: process.env['EH_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672', stepDelayMs: 300, kind: 'call', realm: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--account') opts.account = value();
    else if (flag === '--count') opts.count = Number(value());
    else if (flag === '--rate') opts.rate = Number(value());
    else if (flag === '--step-delay-ms') opts.stepDelayMs = Number(value());
    else if (flag === '--amqp-url') opts.url = value();
    else if (flag === '--kind') opts.kind = value() as Options['kind'];
    else if (flag === '--realm') opts.realm = value();
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown option ${flag}`);
  }
  if (!/^[0-9a-f]{32}$/.test(opts.account)) fail('--account must be a 32-character lowercase hex account id');
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > 1_000_000) fail('--count must be a whole number from 1 to 1000000');
  if (!(opts.rate > 0 && opts.rate <= 10_000)) fail('--rate must be a number above 0 and at most 10000');
  if (!(opts.stepDelayMs >= 0)) fail('--step-delay-ms must be 0 or more');
  if (opts.kind !== 'call' && !(EVENT_KINDS as readonly string[]).includes(opts.kind)) fail(`--kind must be call, ${EVENT_KINDS.join(', ')}`);
  return opts;
}

function fail(message: string): never {
  console.error(`simulate: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const opts = parse(process.argv.slice(2));
  const connection = await amqp.connect(opts.url);
  const channel = await connection.createConfirmChannel();
  await ensureExchange(connection, exchangeOf(opts.kind));
  const publish = async (exchange: string, routingKey: string, payload: Record<string, unknown>) => {
    channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(payload)), { contentType: 'application/json' });
    await channel.waitForConfirms();
    console.log(`published ${payload['Event-Name']} ${routingKey}`);
  };
  if (opts.kind !== 'call') {
    await simulateFamily(publish, opts.kind, { accountId: opts.account, ...(opts.realm ? { realm: opts.realm } : {}) }, opts.count, opts.rate);
    await connection.close();
    return;
  }
  const calls: Promise<string>[] = [];
  for (let i = 0; i < opts.count; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000 / opts.rate));
    calls.push(simulateCall(publish, opts.account, opts.stepDelayMs, freshCallId()));
  }
  await Promise.all(calls);
  await connection.close();
}

main().catch((err) => {
  console.error(`simulate: ${(err as Error).message}`);
  process.exit(1);
});
