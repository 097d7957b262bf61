// Owns the start-up check of every file the configuration names (tokens, realms, JWT key, TLS pair):
// each is read and parsed once, before anything starts, so a bad file is a configuration error (exit 2)
// rather than a crash a service manager would restart forever.
import fs from 'node:fs';
import tls from 'node:tls';
import { readTokensFile } from './auth/static-tokens';
import { readVerifier } from './auth/jwt';
import { RealmDirectory } from './bindings/realm-directory';
import { Config, ConfigError } from './config';

function check(read: () => unknown): void {
  try {
    read();
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function readTlsFile(setting: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${setting} file ${file}: ${(err as Error).message}`);
  }
}

/**
 * Throws a ConfigError naming the file and the problem when a configured file cannot be used.
 * @example checkConfiguredFiles(loadConfig(argv, process.env)) // before startApp
 */
export function checkConfiguredFiles(config: Config): void {
  // Only the static driver reads the tokens file: with Crossbar or JWT it may be absent.
  if (config.auth === 'static') check(() => readTokensFile(config.tokensFile));
  if (config.realmsFile) check(() => new RealmDirectory().loadFile(config.realmsFile!));
  if (config.auth === 'jwt' && config.jwtPublicKey) check(() => readVerifier(config.jwtPublicKey!));
  if (config.tlsCert && config.tlsKey) {
    const cert = readTlsFile('EH_TLS_CERT', config.tlsCert);
    const key = readTlsFile('EH_TLS_KEY', config.tlsKey);
    check(() => {
      try {
        tls.createSecureContext({ cert, key });
      } catch (err) {
        throw new Error(`EH_TLS_CERT/EH_TLS_KEY: not a usable certificate and key (${(err as Error).message})`);
      }
    });
  }
}
