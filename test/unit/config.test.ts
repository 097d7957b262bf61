import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, SETTINGS, configTable, flagName, loadConfig, PROJECT_ROOT } from '../../src/config';
import { readBlock } from '../../scripts/lib/readme-block';

describe('configuration', () => {
  it('has defaults that run on one machine', () => {
    const c = loadConfig([], {});
    expect(c).toMatchObject({ port: 5555, host: '0.0.0.0', amqpUrl: 'amqp://guest:guest@127.0.0.1:5672', logLevel: 'info', demo: false });
    expect(c.tokensFile).toBe(path.join(PROJECT_ROOT, 'config', 'demo-tokens.json'));
  });

  it('gives every setting an EH_ env var and the same-named flag', () => {
    for (const s of SETTINGS) {
      expect(s.env).toMatch(/^EH_[A-Z0-9_]+$/);
      expect(flagName(s.env)).toBe('--' + s.env.slice(3).toLowerCase().replace(/_/g, '-'));
    }
  });

  it('layers file < env < flags', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'eh-cfg-')), 'c.json');
    fs.writeFileSync(file, JSON.stringify({ port: 1111, host: '127.0.0.2', logLevel: 'warn' }));
    const c = loadConfig(['--config', file, '--port=3333', '--demo'], { EH_PORT: '2222', EH_HOST: '127.0.0.3' });
    expect(c).toMatchObject({ port: 3333, host: '127.0.0.3', logLevel: 'warn', demo: true });
  });

  it.each([
    [[], { EH_PORT: 'http' }, /^invalid setting EH_PORT: must be a number \(got "http"\)$/],
    [['--port', '70000'], {}, /^invalid setting --port: must be less than or equal to 65535/],
    [[], { EH_LOG_LEVEL: 'loud' }, /^invalid setting EH_LOG_LEVEL: must be one of/],
    [[], { EH_AMQP_URL: 'http://x' }, /^invalid setting EH_AMQP_URL: must be a valid uri with a scheme matching the amqp\|amqps pattern/],
    [['--bogus', '1'], {}, /^unknown option --bogus/],
    [['--port'], {}, /^--port needs a value$/],
    [['--config', '/nonexistent/x.json'], {}, /^config file \/nonexistent\/x.json: ENOENT/],
    [[], { EH_LEGACY_HEARTBEAT_TIMEOUT_MS: '20000' }, /^invalid setting EH_LEGACY_HEARTBEAT_INTERVAL_MS: must be below EH_LEGACY_HEARTBEAT_TIMEOUT_MS/],
    [['--legacy-poll-timeout-ms', '70000'], {}, /^invalid setting --legacy-poll-timeout-ms: must be below EH_LEGACY_HEARTBEAT_TIMEOUT_MS/],
  ])('refuses %j %j with a message naming the setting', (argv, env, message) => {
    expect(() => loadConfig(argv as string[], env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig(argv as string[], env as NodeJS.ProcessEnv)).toThrow(message);
  });

  it('refuses unknown keys in a config file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'eh-cfg-')), 'c.json');
    fs.writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig(['--config', file], {})).toThrow(/unknown setting "prot"/);
  });

  it('documents every setting in the README table (npm run docs:config regenerates it)', () => {
    expect(readBlock('config-table')).toBe(configTable());
  });
});
