// Copies the one browser file KAZOO 3.x pages load, socket.io-client 0.9.6's dist/socket.io.js, from the
// devDependency into dist/vendor/ at build time, with its licence beside it. Production installs then
// serve it without the package's Node dependencies (ws 0.4, uglify-js 1.2, xmlhttprequest 1.2).
// Usage: node scripts/vendor-legacy-client.mjs [output dir, default dist/vendor]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = path.join(root, 'node_modules', 'socket.io-client-legacy');
const out = path.resolve(process.argv[2] ?? path.join(root, 'dist', 'vendor'));
const VERSION = '0.9.6';

function fail(text) {
  process.stderr.write(`vendor-legacy-client: ${text}\n`);
  process.exit(1);
}

const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
if (pkg.version !== VERSION) {
  fail(`socket.io-client-legacy is ${pkg.version}, expected ${VERSION}: check package.json's devDependencies`);
}
const script = fs.readFileSync(path.join(pkgDir, 'dist', 'socket.io.js'), 'utf8');
if (!script.startsWith(`/*! Socket.IO.js build:${VERSION}`)) {
  fail('socket.io-client-legacy/dist/socket.io.js is not the 0.9.6 browser build');
}
// The package ships its MIT licence as the README's last section.
const readme = fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8');
const at = readme.search(/^### License\s*$/m);
if (at < 0) {
  fail('socket.io-client-legacy README has no License section to ship with the file');
}
const licence = readme.slice(at).replace(/^### License\s*\n+/, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').trim();

fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, `socket.io-${VERSION}.js`), script);
fs.writeFileSync(
  path.join(out, `socket.io-${VERSION}.LICENSE.txt`),
  `socket.io-client ${VERSION} (dist/socket.io.js), served unchanged as /vendor/socket.io-${VERSION}.js\n${pkg.repository?.url ?? pkg.homepage}\n\n${licence}\n`,
);
