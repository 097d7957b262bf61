// CLI entry: reads the configuration, starts the bridge, prints where to look, stops on signals.
// Exit codes: 0 after a clean stop, 1 on a start-up failure (a busy port: a restart may succeed), 2 on
// invalid configuration (a restart cannot help). Both print one line naming what to change, no stack.
import { Config, ConfigError, loadConfigWithSources } from './config';
import type { Logger } from 'pino';
import { createLogger } from './ops/logger';
import { startApp } from './app';
import { demoIdentityOf } from './http/demo-api';
import { checkConfiguredFiles } from './config-files';
import { ignoredSettings } from './config-notes';
import { helpText, versionText } from './cli-help';
import { startFailureText } from './start-failure';
import { VERSION } from './ops/version';
import cluster from 'node:cluster';
import { workerCount } from './workers/worker-count';
import { forwardToWorkers, startPrimary, WORKER_INDEX_ENV, WORKER_PORT_ENV } from './workers/primary';
import { startWorker } from './workers/worker';

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
  const workers = workerCount(config);
  if (cluster.isPrimary) for (const line of ignoredSettings(loaded)) logger.warn(line);
  if (cluster.isPrimary && workers > 1) return runPrimary(config, logger, workers);
  const workerIndex = cluster.isWorker ? Number(process.env[WORKER_INDEX_ENV]) : undefined;
  let app;
  try {
    app = workerIndex === undefined ? await startApp(config, logger) : await startWorker(config, logger, workerIndex, Number(process.env[WORKER_PORT_ENV]));
  } catch (err) {
    logger.debug({ err }, 'start-up failed');
    process.stderr.write(`event-horizon: failed to start: ${startFailureText(err, config)}\n`);
    process.exit(1);
  }
  if (config.demo && workerIndex === undefined) printDemo(config, app.url);
  installSignals(config, logger, () => app.stop(), () => {
    app.authenticator.reload?.();
    logger.info('credentials reloaded on SIGHUP');
  });
}

/** The banner `npm start` prints: where the demo page is, and its token. */
function printDemo(config: Config, url: string): void {
  const who = demoIdentityOf(config);
  process.stdout.write(
    `\n  Event Horizon is running.\n  Demo page:   ${url}/\n  WebSocket:   ${url.replace(/^http/, 'ws')}/\n` +
      (who ? `  Demo token:  ${who.token}  (account ${who.accountId})\n` : '') +
      `  Simulate a call:  npm run simulate -- --account ${who?.accountId ?? '<account id>'}\n\n`,
  );
}

/** Several workers: this process only routes; SIGHUP goes on to every worker. */
async function runPrimary(config: Config, logger: Logger, workers: number): Promise<void> {
  let primary;
  try {
    primary = await startPrimary(config, logger, workers);
  } catch (err) {
    logger.debug({ err }, 'start-up failed');
    process.stderr.write(`event-horizon: failed to start: ${startFailureText(err, config)}\n`);
    process.exit(1);
  }
  if (config.demo) printDemo(config, primary.url);
  installSignals(config, logger, () => primary.stop(), () => {
    forwardToWorkers('SIGHUP');
    logger.info({ workers }, 'SIGHUP passed on to every worker');
  });
}

/** SIGTERM/SIGINT drain and exit (a second one exits at once); SIGHUP reloads credentials. */
function installSignals(config: Config, logger: Logger, stop: () => Promise<void>, reload: () => void): void {
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(1);
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down: draining');
    // The drain keeps its own deadline; this is the backstop should anything still hang.
    setTimeout(() => {
      logger.warn('shutdown backstop reached; exiting');
      process.exit(0);
    }, config.shutdownTimeoutMs + 5000).unref();
    stop().then(
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
      reload();
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'reload on SIGHUP failed; keeping the previous credentials');
    }
  });
}

main().catch((err) => {
  process.stderr.write(`event-horizon: failed to start: ${startFailureText(err, { port: 0, host: '' })}\n`);
  process.exit(1);
});
