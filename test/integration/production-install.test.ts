// A production install (`npm ci --omit=dev`) carries no socket.io-client 0.9 Node dependencies, yet the
// 0.9 browser file is served: the build copies it (with its licence) into dist/vendor from the devDependency.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/config';
import { clientLibraries, LEGACY_CLIENT } from '../../src/http/client-libraries';
import { startTestServer } from '../helpers/server';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-prod-install-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every installed package (name → versions) under a node_modules tree, nested ones included. */
function installed(modules: string, found = new Map<string, string[]>()): Map<string, string[]> {
  if (!fs.existsSync(modules)) return found;
  for (const entry of fs.readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    const dirs = entry.startsWith('@') ? fs.readdirSync(path.join(modules, entry)).map((e) => path.join(entry, e)) : [entry];
    for (const dir of dirs) {
      const pkgFile = path.join(modules, dir, 'package.json');
      if (!fs.existsSync(pkgFile)) continue;
      const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { name?: string; version: string };
      const name = pkg.name ?? dir;
      found.set(name, [...(found.get(name) ?? []), pkg.version]);
      installed(path.join(modules, dir, 'node_modules'), found);
    }
  }
  return found;
}

it('npm ci --omit=dev installs neither ws 0.x, uglify-js, xmlhttprequest nor the 0.9 client package', async () => {
  const dir = path.join(tmp, 'install');
  fs.mkdirSync(dir);
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, timeout: 120_000 });
  const packages = installed(path.join(dir, 'node_modules'));
  expect(packages.get('socket.io')).toBeDefined(); // the install did happen
  expect(packages.get('uglify-js')).toBeUndefined();
  expect(packages.get('xmlhttprequest')).toBeUndefined();
  expect((packages.get('ws') ?? []).filter((v) => v.startsWith('0.'))).toEqual([]);
  expect(fs.existsSync(path.join(dir, 'node_modules', 'socket.io-client-legacy'))).toBe(false);
}, 150_000);

it('the build step copies the 0.9.6 browser file unchanged with its MIT licence, and the bridge serves that copy', async () => {
  const root = path.join(tmp, 'built');
  const vendor = path.join(root, 'dist', 'vendor');
  await run(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'vendor-legacy-client.mjs'), vendor], { cwd: PROJECT_ROOT });
  const original = fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', 'socket.io-client-legacy', 'dist', 'socket.io.js'));
  expect(fs.readFileSync(path.join(vendor, LEGACY_CLIENT.file)).equals(original)).toBe(true);
  const licence = fs.readFileSync(path.join(vendor, LEGACY_CLIENT.licence), 'utf8');
  expect(licence).toContain('The MIT License');
  expect(licence).toContain('Copyright (c) 2010 LearnBoost');
  // A production tree (no node_modules/socket.io-client-legacy) serves the build's copy and its licence.
  const files = clientLibraries(root);
  expect(files.get(LEGACY_CLIENT.url)).toBe(path.join(vendor, LEGACY_CLIENT.file));
  expect(files.get(`/vendor/${LEGACY_CLIENT.licence}`)).toBe(path.join(vendor, LEGACY_CLIENT.licence));
});

it('serves /vendor/socket.io-0.9.6.js from a running bridge', async () => {
  const server = await startTestServer();
  try {
    const res = await fetch(`${server.url}${LEGACY_CLIENT.url}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^\/\*! Socket\.IO\.js build:0\.9\.6/);
  } finally {
    await server.stop();
  }
});
