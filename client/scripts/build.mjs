// Builds the library: Node ESM and CommonJS, one browser ESM bundle, and the .d.ts types.
// esbuild bundles (one file per format, no runtime dependencies); tsc writes only the declarations.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const entry = path.join(root, 'src', 'index.ts');
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const common = { entryPoints: [entry], bundle: true, target: 'es2020', sourcemap: true, logLevel: 'warning' };
await Promise.all([
  build({ ...common, platform: 'neutral', format: 'esm', outfile: path.join(dist, 'index.js') }),
  build({ ...common, platform: 'node', format: 'cjs', outfile: path.join(dist, 'index.cjs') }),
  build({ ...common, platform: 'browser', format: 'esm', outfile: path.join(dist, 'browser', 'event-horizon-client.js') }),
]);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
