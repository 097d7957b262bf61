// Owns serving the demo page and its assets from public/: GET and HEAD only, no path escapes.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Extra files served from outside public/ (e.g. client libraries from node_modules), by URL path. */
export type ExtraFiles = ReadonlyMap<string, string>;

/**
 * Serves one request from `root` if a file matches; returns false when nothing does.
 * @example if (!serveStatic(req, res, publicDir, extras)) notFound(res);
 */
export function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, extras: ExtraFiles = new Map()): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let urlPath: string;
  try {
    urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return false;
  }
  if (urlPath.endsWith('/')) urlPath += 'index.html';
  const file = extras.get(urlPath) ?? path.join(root, path.normalize(urlPath));
  if (!extras.has(urlPath) && !file.startsWith(root + path.sep)) return false;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': stat.size,
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  // pipeline, not pipe: a read that fails after the stat (file gone, unreadable) cuts this answer
  // instead of raising an unhandled 'error' that would end the process.
  else pipeline(fs.createReadStream(file), res, () => undefined);
  return true;
}
