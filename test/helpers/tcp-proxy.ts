// A TCP proxy the test controls, in front of RabbitMQ: cut every connection, or refuse new ones,
// to play a broker outage without touching the shared broker other tests use.
import net from 'node:net';

/**
 * @example const proxy = await TcpProxy.start(5672); … proxy.cutAll(); proxy.setRefusing(true);
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private refusing = false;
  connectionsAccepted = 0;

  private readonly server: net.Server;
  port = 0;

  private constructor(targetPort: number, targetHost: string) {
    this.server = net.createServer((client) => {
      if (this.refusing) return client.destroy();
      this.connectionsAccepted++;
      const upstream = net.connect(targetPort, targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort, targetHost);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  /** Drops every open connection at once, as a broker restart or a network cut would. */
  cutAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** While refusing, new connections are closed immediately (the broker is "down"). */
  setRefusing(refusing: boolean): void {
    this.refusing = refusing;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
