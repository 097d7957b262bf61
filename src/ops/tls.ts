// Owns choosing plain HTTP or built-in TLS for the shared port (`EH_TLS_CERT` + `EH_TLS_KEY`, as KAZOO's
// wss port 5556); certificate files are read once at start. Knows nothing of what the server serves.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

/**
 * An HTTP server, or an HTTPS one when both a certificate and a key are configured.
 * @example const server = createListener({ tlsCert: '/etc/eh/cert.pem', tlsKey: '/etc/eh/key.pem' }, handler);
 */
export function createListener(config: { tlsCert?: string; tlsKey?: string }, handler?: http.RequestListener): http.Server {
  if (config.tlsCert === undefined && config.tlsKey === undefined) return http.createServer(handler);
  if (config.tlsCert === undefined || config.tlsKey === undefined) throw new Error('invalid setting: EH_TLS_CERT and EH_TLS_KEY go together (set both for built-in TLS, or neither)');
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`${what} ${file}: ${(err as Error).message}`);
    }
  };
  // https.Server is an http.Server as far as the dispatcher, the drain and the routes are concerned.
  const server: http.Server = https.createServer({ cert: read(config.tlsCert, 'EH_TLS_CERT'), key: read(config.tlsKey, 'EH_TLS_KEY') }, handler);
  return server;
}
