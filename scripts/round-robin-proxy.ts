// A tiny TCP round-robin proxy: each new connection goes to the next node, with no stickiness at all,
// to try a cluster by hand (scripts/cluster.sh) and to test that WebSocket-only clients need none.
import net from 'node:net';

/**
 * Forwards each connection to the next target in turn; skips a target that refuses.
 * @example const proxy = await RoundRobinProxy.start(8080, [5555, 5556]); … await proxy.close();
 */
export class RoundRobinProxy {
  private next = 0;
  private readonly sockets = new Set<net.Socket>();
  /** How many connections each target port received. */
  readonly counts = new Map<number, number>();

  private constructor(private readonly server: net.Server, readonly targets: number[]) {}

  static async start(port: number, targets: number[], host = '127.0.0.1'): Promise<RoundRobinProxy> {
    const server = net.createServer();
    const proxy = new RoundRobinProxy(server, targets);
    server.on('connection', (client: net.Socket) => proxy.forward(client, targets.length));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return proxy;
  }

  /** The port it listens on. */
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  private forward(client: net.Socket, triesLeft: number): void {
    const target = this.targets[this.next++ % this.targets.length]!;
    const upstream = net.connect(target, '127.0.0.1');
    client.pause();
    client.on('error', () => undefined);
    upstream.once('error', () => {
      upstream.destroy();
      if (triesLeft > 1 && !client.destroyed) this.forward(client, triesLeft - 1);
      else client.destroy();
    });
    upstream.once('connect', () => {
      this.counts.set(target, (this.counts.get(target) ?? 0) + 1);
      upstream.on('error', () => undefined);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.resume();
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** `tsx scripts/round-robin-proxy.ts <listen port> <node port>…` */
if (require.main === module) {
  const [listen, ...targets] = process.argv.slice(2).map(Number);
  if (!listen || targets.length === 0 || targets.some((t) => !Number.isInteger(t))) {
    process.stderr.write('usage: tsx scripts/round-robin-proxy.ts <listen port> <node port> [<node port>…]\n');
    process.exit(2);
  }
  RoundRobinProxy.start(listen, targets, '0.0.0.0').then(
    (proxy) => process.stdout.write(`round-robin proxy on :${proxy.port} → ${targets.map((t) => `:${t}`).join(', ')}\n`),
    (err: Error) => {
      process.stderr.write(`round-robin proxy: ${err.message}\n`);
      process.exit(1);
    },
  );
}
