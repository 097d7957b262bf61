// Owns the product version shown in Crossbar-style envelopes and app event headers: package.json's.
// Knows nothing else; read once at start.
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
