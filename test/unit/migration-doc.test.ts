// docs/MIGRATION.md is true of this code: every setting it names exists and its example values load,
// the paths and endpoints it sends the operator to exist, and the README links to it.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT, SETTINGS } from '../../src/config';
import { startFailureText } from '../../src/start-failure';
import { LEGACY_CLIENT } from '../../src/http/client-libraries';
import { SOCKETS_PATH } from '../../src/cluster/admin-api';

const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'MIGRATION.md'), 'utf8');

it('names only settings that exist', () => {
  const known = new Set(SETTINGS.map((s) => s.env));
  const named = [...new Set(doc.match(/\bEH_[A-Z_]+\b/g) ?? [])];
  expect(named.length).toBeGreaterThan(5);
  expect(named.filter((n) => !known.has(n))).toEqual([]);
});

it('has an env file whose every line loads as a valid configuration', () => {
  const block = /cat > \/etc\/event-horizon\/env <<'EOF'\n([\s\S]*?)\nEOF/.exec(doc)?.[1];
  expect(block).toBeDefined();
  const env = Object.fromEntries(block!.split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
  expect(Object.keys(env)).toEqual(expect.arrayContaining(['EH_PORT', 'EH_AUTH', 'EH_CROSSBAR_URL', 'EH_AMQP_URL']));
  const config = loadConfig([], env);
  expect(config).toMatchObject({ port: 5555, auth: 'crossbar', crossbarUrl: 'http://127.0.0.1:8000/v2' });
});

it('quotes the busy-port message the bridge really prints', () => {
  const text = startFailureText(Object.assign(new Error('listen EADDRINUSE'), { syscall: 'listen', code: 'EADDRINUSE', port: 5555 }), { port: 5555, host: '0.0.0.0' });
  const quoted = /`(port 5555 [^`]*already in use[^`]*)`/.exec(doc)?.[1];
  expect(quoted).toBeDefined();
  expect(text.startsWith(quoted!)).toBe(true);
});

it('points at files, endpoints and commands that exist', () => {
  expect(doc).toContain('sup kapps_controller stop_app blackhole');
  expect(doc).toContain('sup kapps_controller start_app blackhole');
  for (const file of ['deploy/event-horizon.service', 'docs/OPERATIONS.md']) expect(fs.existsSync(path.join(PROJECT_ROOT, file))).toBe(true);
  for (const endpoint of ['/readyz', '/healthz', '/admin', SOCKETS_PATH, '/v2/accounts/']) expect(doc).toContain(endpoint);
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const [, script] of doc.matchAll(/npm run ([a-z:-]+)/g)) expect(Object.keys(pkg.scripts)).toContain(script);
  expect(LEGACY_CLIENT.url).toBe('/vendor/socket.io-0.9.6.js');
});

it('is linked from the README', () => {
  expect(fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')).toContain('](docs/MIGRATION.md)');
});
