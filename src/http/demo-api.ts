// Owns the demo-mode HTTP API (404 when off): `GET /api/demo`, the token and account to try, and
// `POST /api/demo/simulate-call`, a call published on RabbitMQ as KAZOO does. Knows nothing of sockets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Joi from 'joi';
import type { Logger } from 'pino';
import type { AccessControl } from '../auth/access-control';
import type { Config } from '../config';
import { readTokensFile } from '../auth/static-tokens';
import type { ClientAddress } from '../guard/client-address';
import { simulateCall } from '../simulator/simulate-call';
import { refusalStatus } from './auth-refusal';
import { BodyError, readJsonBody, RequestHandler, sendError, sendJson, sendMethodNotAllowed } from './json-io';

export const DEMO_PATH = '/api/demo';
export const SIMULATE_PATH = '/api/demo/simulate-call';

/** The token and account a newcomer should use. */
export interface DemoIdentity {
  token: string;
  accountId: string;
}

export interface DemoApiOptions {
  /** `config.demo`: when false every demo path answers 404. */
  enabled: boolean;
  /** The sockets' access control: failed tokens count towards the IP block, accounts are checked as on a socket. */
  access: AccessControl;
  /** The client address of a request (X-Forwarded-For from trusted proxies only). */
  addressOf: (req: IncomingMessage) => ClientAddress;
  /** Publishes through the bridge's own RabbitMQ connection; false when it is not connected. */
  publish: (exchange: string, routingKey: string, payload: Record<string, unknown>) => boolean;
  /** The identity shown on the page (the first token of the tokens file), if any. */
  demoIdentity: () => DemoIdentity | undefined;
  logger: Logger;
  /** Pause between CHANNEL_CREATE, CHANNEL_ANSWER and CHANNEL_DESTROY. */
  stepDelayMs?: number;
}

const simulateSchema = Joi.object({
  account_id: Joi.string().pattern(/^[0-9a-f]{32}$/).required().messages({ 'string.pattern.base': 'account_id must be 32 lowercase hex characters' }),
  auth_token: Joi.string().min(1).required(),
}).unknown(true);

/**
 * The identity the demo page and the start-up banner offer: the first token of the tokens file, and
 * only under the static driver; with Crossbar or JWT a tokens file may exist but its tokens are not
 * accepted, so nothing is offered.
 * @example const who = demoIdentityOf(config); if (who) console.log(who.token, who.accountId);
 */
export function demoIdentityOf(config: Pick<Config, 'auth' | 'tokensFile'>): DemoIdentity | undefined {
  return config.auth === 'static' ? firstTokenOf(config.tokensFile) : undefined;
}

/** The first token of a tokens file, or undefined when it has none or cannot be read. */
export function firstTokenOf(tokensFile: string): DemoIdentity | undefined {
  try {
    const [entry] = readTokensFile(tokensFile);
    return entry ? { token: entry[0], accountId: entry[1].accountId } : undefined;
  } catch {
    return undefined;
  }
}

class NotConnected extends Error {}

async function simulate(req: IncomingMessage, res: ServerResponse, opts: DemoApiOptions): Promise<void> {
  let body: unknown;
  try {
    body = await readJsonBody(req, 4096);
  } catch (err) {
    return sendError(res, err instanceof BodyError ? err.status : 400, (err as Error).message);
  }
  const { value, error: invalid } = simulateSchema.validate(body);
  if (invalid) return sendError(res, 400, invalid.message);
  const { account_id: accountId, auth_token: token } = value as { account_id: string; auth_token: string };
  const auth = await opts.access.authenticate(opts.addressOf(req).ip, token);
  if (!auth.ok) return sendError(res, refusalStatus(auth.error, 401), auth.error);
  const refused = await opts.access.authorize(auth.identity, accountId, token);
  if (refused) return sendError(res, refusalStatus(refused, 403), refused);
  const publish = (exchange: string, routingKey: string, payload: Record<string, unknown>) => {
    if (!opts.publish(exchange, routingKey, payload)) throw new NotConnected();
  };
  try {
    const callId = await simulateCall(publish, accountId, opts.stepDelayMs ?? 300);
    opts.logger.info({ account: accountId, callId }, 'demo: simulated a call');
    sendJson(res, 200, { status: 'success', data: { account_id: accountId, call_id: callId, events: ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_DESTROY'] } });
  } catch (err) {
    if (err instanceof NotConnected) return sendError(res, 503, 'RabbitMQ is not connected: the call could not be published, try again');
    throw err;
  }
}

/**
 * The demo API, answering only in demo mode.
 * @example httpRoutes({ …, handlers: [demoApi({ enabled: config.demo, access, addressOf, publish, demoIdentity, logger })] })
 */
export function demoApi(opts: DemoApiOptions): RequestHandler {
  return (req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== DEMO_PATH && pathname !== SIMULATE_PATH) return false;
    if (!opts.enabled) {
      sendError(res, 404, `nothing at ${pathname}: demo mode is off (EH_DEMO)`);
      return true;
    }
    if (pathname === DEMO_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendMethodNotAllowed(req, res, DEMO_PATH, ['GET', 'HEAD']);
        return true;
      }
      const who = opts.demoIdentity();
      sendJson(res, 200, { demo: true, ...(who ? { auth_token: who.token, account_id: who.accountId } : {}) }, req.method === 'HEAD');
      return true;
    }
    if (req.method !== 'POST') {
      sendMethodNotAllowed(req, res, SIMULATE_PATH, ['POST'], 'POST with {"account_id", "auth_token"}');
      return true;
    }
    simulate(req, res, opts).catch((err: Error) => {
      opts.logger.error({ err }, 'demo: simulating a call failed');
      if (!res.headersSent) sendError(res, 500, 'simulating the call failed; see the server log');
    });
    return true;
  };
}
