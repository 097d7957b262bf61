// CLI entry: reads the configuration, starts the bridge, prints where to look, stops on signals.
// Exit codes: 0 after a clean stop, 1 on a start-up failure (a busy port: a restart may succeed), 2 on
// invalid configuration (a restart cannot help). Both print one line naming what to change, no stack.
import { ConfigError, loadConfigWithSources } from './config';
import { createLogger } from './ops/logger';
import { startApp } from './app';
import { demoIdentityOf } from './http/demo-api';
import { checkConfiguredFiles } from './config-files';
import { ignoredSettings } from './config-notes';
import { helpText, versionText } from './cli-help';
import { startFailureText } from './start-failure';
import { VERSION } from './ops/version';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText());
    return;
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(versionText(VERSION));
    return;
  }
  let loaded;
  try {
    loaded = loadConfigWithSources(argv, process.env);
    checkConfiguredFiles(loaded.config);
  } catch (err) {
    process.stderr.write(`event-horizon: ${(err as Error).message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  const config = loaded.config;
  const logger = createLogger(config.logLevel);
  for (const line of ignoredSettings(loaded)) logger.warn(line);
  let app;
  try {
    app = await startApp(config, logger);
  } catch (err) {
    logger.debug({ err }, 'start-up failed');
    process.stderr.write(`event-horizon: failed to start: ${startFailureText(err, config)}\n`);
    process.exit(1);
  }
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
  process.stderr.write(`event-horizon: failed to start: ${startFailureText(err, { port: 0, host: '' })}\n`);
  process.exit(1);
});
