// CLI entry: reads the configuration, starts the bridge, prints where to look, stops on signals.
// Exit codes: 0 after a clean stop, 1 on a start-up failure, 2 on invalid configuration.
import { ConfigError, configTable, loadConfig } from './config';
import { createLogger } from './ops/logger';
import { startApp } from './app';
import { demoIdentityOf } from './http/demo-api';
import { checkConfiguredFiles } from './config-files';

const HELP = `Event Horizon: KAZOO Blackhole-compatible AMQP → WebSocket bridge

Usage: node dist/main.js [--config file.json] [--<setting> value …]

Settings (env var, flag, default, meaning):
`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP + configTable() + '\n');
    return;
  }
  let config;
  try {
    config = loadConfig(argv, process.env);
    checkConfiguredFiles(config);
  } catch (err) {
    process.stderr.write(`event-horizon: ${(err as Error).message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  const logger = createLogger(config.logLevel);
  const app = await startApp(config, logger);
  if (config.demo) {
    const who = demoIdentityOf(config);
    process.stdout.write(
      `\n  Event Horizon is running.\n  Demo page:   ${app.url}/\n  WebSocket:   ${app.url.replace(/^http/, 'ws')}/\n` +
        (who ? `  Demo token:  ${who.token}  (account ${who.accountId})\n` : '') +
        `  Simulate a call:  npm run simulate -- --account ${who?.accountId ?? '<account id>'}\n\n`,
    );
  }
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(1);
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down: draining');
    // The drain keeps its own deadline; this is the backstop should anything still hang.
    setTimeout(() => {
      logger.warn('shutdown backstop reached; exiting');
      process.exit(0);
    }, config.shutdownTimeoutMs + 5000).unref();
    app.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    try {
      app.authenticator.reload?.();
      logger.info('credentials reloaded on SIGHUP');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'reload on SIGHUP failed; keeping the previous credentials');
    }
  });
}

main().catch((err) => {
  process.stderr.write(`event-horizon: failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
