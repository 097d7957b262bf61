// Starts a real bridge in the test process on a free port, with its own tokens file and accounts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { Logger } from 'pino';
import { startApp, App } from '../../src/app';
import { Config, loadConfig } from '../../src/config';
import { newAccountId, newToken } from './ids';
import { AMQP_URL } from './kazoo';

export interface TokenEntry {
  account_id: string;
  descendants?: string[];
  superduper_admin?: boolean;
}

/** A token and the account it belongs to. */
export interface TestIdentity {
  token: string;
  accountId: string;
}

export interface TestServer {
  app: App;
  /** `http://127.0.0.1:PORT` */
  url: string;
  tokensFile: string;
  /** Adds a token for a fresh account (optionally with descendants) and returns it. */
  addIdentity(entry?: Partial<TokenEntry>): TestIdentity;
  stop(): Promise<void>;
}

/**
 * Starts the bridge against the real RabbitMQ.
 * @example const server = await startTestServer(); const alice = server.addIdentity();
 * @example const logs = new LogCapture('info'); const server = await startTestServer({}, {}, { logger: logs.logger });
 */
export async function startTestServer(overrides: Partial<Config> = {}, tokens: Record<string, TokenEntry> = {}, options: { logger?: Logger } = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-test-'));
  const tokensFile = path.join(dir, 'tokens.json');
  const all: Record<string, TokenEntry> = { ...tokens };
  const write = () => fs.writeFileSync(tokensFile, JSON.stringify({ tokens: all }));
  write();
  const config: Config = {
    ...loadConfig([], {}),
    port: 0,
    host: '127.0.0.1',
    amqpUrl: AMQP_URL,
    tokensFile,
    logLevel: 'silent',
    ...overrides,
  };
  const logger = options.logger ?? pino({ level: process.env['EH_TEST_LOG_LEVEL'] ?? config.logLevel });
  const app = await startApp(config, logger);
  const url = `http://127.0.0.1:${app.port}`;
  return {
    app,
    url,
    tokensFile,
    addIdentity(entry = {}) {
      const token = newToken();
      const accountId = entry.account_id ?? newAccountId();
      all[token] = { descendants: [], ...entry, account_id: accountId };
      write();
      app.authenticator.reload?.();
      return { token, accountId };
    },
    async stop() {
      await app.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
