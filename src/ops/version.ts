// Owns the product version shown in Crossbar-style envelopes and app event headers (package.json's) and
// the commit a build was made from (dist/build-info.json, written by `npm run build`). Read once at start.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';

function readVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Event Horizon's version, from package.json.
 * @example `event-horizon ${VERSION}` // "event-horizon 0.1.0"
 */
export const VERSION = readVersion();

function readCommit(): string {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'dist', 'build-info.json'), 'utf8')) as { commit?: unknown };
    return typeof info.commit === 'string' && /^([0-9a-f]{7,40}|unknown)$/.test(info.commit) ? info.commit : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The commit this build was made from, or `unknown` (no build, no git at build time).
 * @example COMMIT // "63ec2bb0…" or "unknown"
 */
export const COMMIT = readCommit();
