// Owns the life of one test file's bridge: a test server with the file's settings and a KAZOO publisher,
// started before the file's tests, its clients closed after each test, everything stopped after the file.
import type { Config } from '../../src/config';
import { KazooPublisher } from './kazoo';
import { startTestServer, TestServer } from './server';

interface Closable {
  close(): Promise<unknown> | void;
}

export interface Bridge {
  /** The running server (set before the file's first test). */
  readonly server: TestServer;
  /** Publishes on RabbitMQ as KAZOO does. */
  readonly kazoo: KazooPublisher;
  /** Closes `client` after the current test; returns it. */
  track<T extends Closable>(client: T): T;
}

/**
 * Registers the file's hooks and returns the bridge they manage.
 * @example const bridge = useBridge({ maxBindingsPerConnection: 3 }); it('…', async () => { bridge.server.url … });
 */
export function useBridge(overrides: Partial<Config> = {}): Bridge {
  const open: Closable[] = [];
  const state: { server?: TestServer; kazoo?: KazooPublisher } = {};
  beforeAll(async () => {
    [state.server, state.kazoo] = await Promise.all([startTestServer(overrides), KazooPublisher.connect()]);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await state.kazoo?.close();
    await state.server?.stop();
  });
  return {
    get server() {
      if (!state.server) throw new Error('the bridge is not started yet: use it inside a test or hook');
      return state.server;
    },
    get kazoo() {
      if (!state.kazoo) throw new Error('the bridge is not started yet: use it inside a test or hook');
      return state.kazoo;
    },
    track(client) {
      open.push(client);
      return client;
    },
  };
}
