// A TCP proxy the test controls, in front of RabbitMQ or the bridge: cut every connection, refuse new
// ones (a broker outage without touching the shared broker), or stop reading one side of the open
// connections (a peer that stops reading or stops answering, without touching any client's internals).
import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

/**
 * @example const proxy = await TcpProxy.start(5672); … proxy.cutAll(); proxy.setRefusing(true);
 * @example const proxy = await TcpProxy.start(bridgePort); connect a client to proxy.port; proxy.stopReading('target');
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly pairs = new Set<Pair>();
  private refusing = false;
  connectionsAccepted = 0;

  private readonly server: net.Server;
  port = 0;

  private constructor(targetPort: number, targetHost: string) {
    this.server = net.createServer((client) => {
      if (this.refusing) return client.destroy();
      this.connectionsAccepted++;
      const upstream = net.connect(targetPort, targetHost);
      const pair = { client, upstream };
      this.pairs.add(pair);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => {
          this.sockets.delete(s);
          this.pairs.delete(pair);
        });
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

  /**
   * Stops reading, on every open connection, what one side sends: `'target'` plays a client that
   * stops reading (the target's writes back up in its send buffer), `'client'` one whose answers never
   * arrive (a frozen tab). `'newest'`: only the connection opened last (a websocket opened after its
   * handshake request, whose kept-alive connection must keep working). Connections opened later are not affected. A close from the side no
   * longer read is not noticed; one from the other side, or `cutAll`, still ends the pair.
   */
  stopReading(from: 'client' | 'target', which: 'all' | 'newest' = 'all'): void {
    const pairs = which === 'all' ? [...this.pairs] : [...this.pairs].slice(-1);
    for (const { client, upstream } of pairs) {
      const [source, sink] = from === 'client' ? [client, upstream] : [upstream, client];
      source.unpipe(sink);
      source.pause();
    }
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
