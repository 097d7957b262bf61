// Owns where the browser client libraries the bridge serves itself (no CDN) come from, by URL path.
// Knows file locations only; serving them is static-files' job.
import fs from 'node:fs';
import path from 'node:path';

/** Socket.IO 0.9's browser file and its licence, as `npm run build` puts them into dist/vendor/. */
export const LEGACY_CLIENT = { url: '/vendor/socket.io-0.9.6.js', file: 'socket.io-0.9.6.js', licence: 'socket.io-0.9.6.LICENSE.txt' } as const;

/**
 * The files by URL path. The 0.9 client is the build's copy (dist/vendor, what production installs
 * have: its package is a devDependency); a development checkout that was not built serves it from the
 * devDependency itself.
 * @example httpRoutes({ …, extraFiles: clientLibraries(PROJECT_ROOT) })
 */
export function clientLibraries(root: string): Map<string, string> {
  const vendor = path.join(root, 'dist', 'vendor');
  const built = path.join(vendor, LEGACY_CLIENT.file);
  const legacy = fs.existsSync(built) ? built : path.join(root, 'node_modules', 'socket.io-client-legacy', 'dist', 'socket.io.js');
  const clientBundle = path.join(root, 'client', 'dist', 'browser');
  const files = new Map([
    [LEGACY_CLIENT.url, legacy],
    // This repository's client library (client/), built by `npm run build`.
    ['/vendor/event-horizon-client.js', path.join(clientBundle, 'event-horizon-client.js')],
    ['/vendor/event-horizon-client.js.map', path.join(clientBundle, 'event-horizon-client.js.map')],
  ]);
  if (legacy === built) files.set(`/vendor/${LEGACY_CLIENT.licence}`, path.join(vendor, LEGACY_CLIENT.licence));
  return files;
}
