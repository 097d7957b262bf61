// Writes dist/build-info.json at build time: the commit the build was made from (EH_BUILD_COMMIT, else
// `git rev-parse HEAD`, else "unknown"), shown by the `eh_build_info` metric. Knows git and dist/ only.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function commit() {
  const given = process.env.EH_BUILD_COMMIT;
  if (given && /^[0-9a-f]{7,40}$/i.test(given)) return given.toLowerCase();
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim();
  } catch {
    return 'unknown';
  }
}

fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
fs.writeFileSync(path.join(root, 'dist', 'build-info.json'), `${JSON.stringify({ commit: commit(), builtAt: new Date().toISOString() })}\n`);
