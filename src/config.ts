// Owns configuration: one table of settings, each an env var (EH_*) and a same-named CLI flag, an
// optional JSON file (--config), validated by joi into one typed object. Defaults run on one machine.
import fs from 'node:fs';
import path from 'node:path';
import Joi from 'joi';
import { checkOriginList, parseProxyList } from './config-values';

/** The repository root (where config/ and public/ live), from src/ or dist/. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

interface Setting {
  key: keyof Config;
  env: string;
  schema: Joi.Schema;
  description: string;
}

export interface Config {
  port: number;
  host: string;
  amqpUrl: string;
  tokensFile: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  demo: boolean;
  maxBindingsPerConnection: number;
  maxMessageBytes: number;
  wsPingIntervalMs: number;
  amqpBindTimeoutMs: number;
  amqpQueueTtlMs: number;
  amqpPrefetch: number;
  amqpBindChannels: number;
  amqpCoalesceAccounts: number;
  realmsFile: string;
  legacyHeartbeatIntervalMs: number;
  legacyHeartbeatTimeoutMs: number;
  legacyCloseTimeoutMs: number;
  legacyPollTimeoutMs: number;
  shutdownTimeoutMs: number;
  maxBufferedBytes: number;
  recoveryWindowMs: number;
  recoveryMaxEvents: number;
  tlsCert?: string;
  tlsKey?: string;
  auth: 'static' | 'crossbar' | 'jwt';
  crossbarUrl?: string;
  crossbarTimeoutMs: number;
  jwtPublicKey?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  authCacheTtl: number;
  authRecheckSeconds: number;
  maxConnectionsPerIp: number;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  maxAuthFailuresPerIp: number;
  authBlockSeconds: number;
  allowedOrigins: string;
  trustedProxies: string;
  redisUrl?: string;
  redisPrefix: string;
  clusterHeartbeatMs: number;
  adminToken?: string;
  ipLimitScope: 'node' | 'cluster';
  workers: number;
}

/** Every setting, in the order the README table lists them. */
export const SETTINGS: readonly Setting[] = [
  { key: 'port', env: 'EH_PORT', schema: Joi.number().integer().min(0).max(65535).default(5555), description: 'TCP port for every client generation, the demo page and the HTTP endpoints (0 picks a free port)' },
  { key: 'host', env: 'EH_HOST', schema: Joi.string().default('0.0.0.0'), description: 'Address to listen on' },
  { key: 'amqpUrl', env: 'EH_AMQP_URL', schema: Joi.string().uri({ scheme: ['amqp', 'amqps'] }).default('amqp://guest:guest@127.0.0.1:5672'), description: "RabbitMQ URL (KAZOO's broker)" },
  { key: 'tokensFile', env: 'EH_TOKENS_FILE', schema: Joi.string().default(path.join(PROJECT_ROOT, 'config', 'demo-tokens.json')), description: 'Static tokens file: `{"tokens": {"<token>": {"account_id", "descendants": [], "superduper_admin": false}}}`; re-read when it changes' },
  { key: 'logLevel', env: 'EH_LOG_LEVEL', schema: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'), description: 'Log level (pino): fatal, error, warn, info, debug, trace, silent' },
  { key: 'demo', env: 'EH_DEMO', schema: Joi.boolean().truthy('1').falsy('0').default(false), description: 'Demo mode: print the demo token at start (`npm start` turns it on; keep it off in production)' },
  { key: 'maxBindingsPerConnection', env: 'EH_MAX_BINDINGS_PER_CONNECTION', schema: Joi.number().integer().min(1).default(100), description: 'Bindings one connection may hold' },
  { key: 'maxMessageBytes', env: 'EH_MAX_MESSAGE_BYTES', schema: Joi.number().integer().min(256).default(65536), description: 'Largest inbound message; larger ones get an error reply' },
  { key: 'wsPingIntervalMs', env: 'EH_WS_PING_INTERVAL_MS', schema: Joi.number().integer().min(100).default(25000), description: 'WebSocket ping interval; a peer that misses one ping is disconnected' },
  { key: 'amqpBindTimeoutMs', env: 'EH_AMQP_BIND_TIMEOUT_MS', schema: Joi.number().integer().min(50).default(5000), description: 'How long a subscribe waits for its RabbitMQ bindings before replying with an error' },
  { key: 'amqpQueueTtlMs', env: 'EH_AMQP_QUEUE_TTL_MS', schema: Joi.number().integer().min(0).default(60000), description: "How long this node's RabbitMQ queue outlives a lost broker connection (queue TTL, `x-expires`): events published during a cut shorter than this are delivered after the reconnection, in order, once. 0: an exclusive queue that goes with the connection and unacknowledged delivery (events during a cut are lost). See docs/OPERATIONS.md#delivery-guarantees" },
  { key: 'amqpPrefetch', env: 'EH_AMQP_PREFETCH', schema: Joi.number().integer().min(1).max(65535).default(500), description: 'Deliveries RabbitMQ may have on their way to this node before it acknowledges them (acknowledged in batches); with `EH_AMQP_QUEUE_TTL_MS` 0 there are no acknowledgements' },
  { key: 'amqpBindChannels', env: 'EH_AMQP_BIND_CHANNELS', schema: Joi.number().integer().min(1).max(256).default(16), description: 'AMQP channels binding and unbinding in parallel (RabbitMQ answers one binding change at a time per channel); re-binding after a queue loss uses all of them' },
  { key: 'amqpCoalesceAccounts', env: 'EH_AMQP_COALESCE_ACCOUNTS', schema: Joi.number().integer().min(0).default(50), description: 'How many accounts on this node must bind the same shape (the same binding but for the account, e.g. `doc_edited.{ACCOUNT_DB}.user.*`) before it is bound on RabbitMQ once with the account wildcarded, so a queue loss re-binds one binding per shape instead of one per account; other accounts\' events of that shape then reach the node and are dropped there. Back to one binding per account below half of it. 0: one binding per account always. See docs/OPERATIONS.md#delivery-guarantees' },
  { key: 'realmsFile', env: 'EH_REALMS_FILE', schema: Joi.string().allow('').default(''), description: 'Account SIP realms for the presence and registration bindings, which KAZOO keys by realm: `{"realms": {"<account_id>": "<realm>"}}`; without it those bindings are refused' },
  { key: 'legacyHeartbeatIntervalMs', env: 'EH_LEGACY_HEARTBEAT_INTERVAL_MS', schema: Joi.number().integer().min(10).default(25000), description: 'Socket.IO 0.9 clients: how often a websocket client is sent a heartbeat (`2::`); keep it below both timeouts' },
  { key: 'legacyHeartbeatTimeoutMs', env: 'EH_LEGACY_HEARTBEAT_TIMEOUT_MS', schema: Joi.number().integer().min(10).default(60000), description: 'Socket.IO 0.9 clients: how long a heartbeat may go unanswered before the session ends (advertised in the handshake; keep it above the poll timeout)' },
  { key: 'legacyCloseTimeoutMs', env: 'EH_LEGACY_CLOSE_TIMEOUT_MS', schema: Joi.number().integer().min(10).default(60000), description: 'Socket.IO 0.9 clients: how long a session lives with no transport attached (between polls, or never connected) before it is reaped (advertised in the handshake)' },
  { key: 'legacyPollTimeoutMs', env: 'EH_LEGACY_POLL_TIMEOUT_MS', schema: Joi.number().integer().min(10).default(20000), description: 'Socket.IO 0.9 clients: how long an idle xhr/jsonp poll is held before it is answered with a noop (`8::`)' },
  { key: 'shutdownTimeoutMs', env: 'EH_SHUTDOWN_TIMEOUT_MS', schema: Joi.number().integer().min(100).default(10000), description: 'On SIGTERM/SIGINT: how long the graceful drain (stop accepting, flush, close clients with 1001, close RabbitMQ) may take before every socket left is cut and the process exits 0' },
  { key: 'maxBufferedBytes', env: 'EH_MAX_BUFFERED_BYTES', schema: Joi.number().integer().min(1024).default(1048576), description: 'Bytes one connection may have waiting to be sent; a client that falls further behind is closed (WebSocket code 4008) so it costs bounded memory' },
  { key: 'recoveryWindowMs', env: 'EH_RECOVERY_WINDOW_MS', schema: Joi.number().integer().min(0).default(120000), description: 'How long a dropped connection\'s subscriptions are kept so a reconnecting client gets the events it missed (Socket.IO v4 connection-state recovery, `resume` for raw WebSocket); 0 turns recovery off' },
  { key: 'recoveryMaxEvents', env: 'EH_RECOVERY_MAX_EVENTS', schema: Joi.number().integer().min(100).default(10000), description: 'The most events kept for recovery, newest first, for raw WebSocket `resume` and for Socket.IO v4 (two packets an event): bounds the memory recovery takes at any event rate. A client that missed more resumes with `recovered: false`' },
  { key: 'tlsCert', env: 'EH_TLS_CERT', schema: Joi.string().when('tlsKey', { is: Joi.exist(), then: Joi.required() }), description: 'PEM certificate (chain) file: with `EH_TLS_KEY` the port speaks HTTPS/WSS only (KAZOO used 5556 for wss); usually TLS ends at HAProxy instead' },
  { key: 'tlsKey', env: 'EH_TLS_KEY', schema: Joi.string(), description: 'PEM private key file for `EH_TLS_CERT`' },
  { key: 'auth', env: 'EH_AUTH', schema: Joi.string().valid('static', 'crossbar', 'jwt').default('static'), description: 'Authentication driver: `static` (the tokens file), `crossbar` (ask KAZOO Crossbar, cached) or `jwt` (verify KAZOO JWTs with a public key); see docs/SECURITY.md' },
  { key: 'crossbarUrl', env: 'EH_CROSSBAR_URL', schema: Joi.string().uri({ scheme: ['http', 'https'] }).when('auth', { is: 'crossbar', then: Joi.required() }), description: 'Crossbar base URL with its version, as Monster UI is configured (`http://kazoo:8000/v2`); required with `EH_AUTH=crossbar`' },
  { key: 'crossbarTimeoutMs', env: 'EH_CROSSBAR_TIMEOUT_MS', schema: Joi.number().integer().min(50).default(5000), description: 'How long a Crossbar request may take before the command gets "authentication service unavailable"' },
  { key: 'jwtPublicKey', env: 'EH_JWT_PUBLIC_KEY', schema: Joi.string().when('auth', { is: 'jwt', then: Joi.required() }), description: 'PEM public key, PEM certificate or JWKS file verifying JWT auth tokens (re-read when it changes); required with `EH_AUTH=jwt`' },
  { key: 'jwtIssuer', env: 'EH_JWT_ISSUER', schema: Joi.string(), description: 'With `EH_AUTH=jwt`: the `iss` claim every token must carry (unset: not checked)' },
  { key: 'jwtAudience', env: 'EH_JWT_AUDIENCE', schema: Joi.string(), description: 'With `EH_AUTH=jwt`: an `aud` value every token must carry (unset: not checked)' },
  { key: 'authCacheTtl', env: 'EH_AUTH_CACHE_TTL', schema: Joi.number().min(0).default(60), description: 'Seconds a Crossbar answer is trusted (refusals at most 5 s); 0 asks every time' },
  { key: 'authRecheckSeconds', env: 'EH_AUTH_RECHECK_SECONDS', schema: Joi.number().min(0).default(60), description: 'Seconds between re-validations of every token holding subscriptions (also at a JWT\'s `exp`, and when the tokens file or JWT key is reloaded); 0: only those' },
  { key: 'maxConnectionsPerIp', env: 'EH_MAX_CONNECTIONS_PER_IP', schema: Joi.number().integer().min(0).default(0), description: 'Open connections one client IP may hold (HTTP 429 beyond; an IPv6 client counts with its whole /64); 0 means no cap, as in KAZOO' },
  { key: 'rateLimitPerSecond', env: 'EH_RATE_LIMIT_PER_SECOND', schema: Joi.number().min(0).default(10), description: 'Inbound messages per second per connection (token bucket refill, KAZOO: 10); 0 turns the rate limit off' },
  { key: 'rateLimitBurst', env: 'EH_RATE_LIMIT_BURST', schema: Joi.number().integer().min(1).default(100), description: 'Token bucket size: messages a connection may send at once (KAZOO: 100); a connection that floods a bucket past it is cut off (raw WebSocket: close 4029; docs/SECURITY.md has each generation)' },
  { key: 'maxAuthFailuresPerIp', env: 'EH_MAX_AUTH_FAILURES_PER_IP', schema: Joi.number().integer().min(0).default(100), description: 'Failed logins one IP may make within `EH_AUTH_BLOCK_SECONDS` before it is blocked for as long; 0 turns the block off' },
  { key: 'authBlockSeconds', env: 'EH_AUTH_BLOCK_SECONDS', schema: Joi.number().min(1).default(60), description: 'Window for counting failed logins, and how long a blocked IP is refused (HTTP 429, error replies)' },
  { key: 'allowedOrigins', env: 'EH_ALLOWED_ORIGINS', schema: checkedString(checkOriginList).default('*'), description: 'Browser origins allowed to connect: `*` (any, as KAZOO) or a comma list such as `https://portal.example.com,https://*.example.net`; others get HTTP 403' },
  { key: 'trustedProxies', env: 'EH_TRUSTED_PROXIES', schema: checkedString(parseProxyList).allow('').default(''), description: 'Comma list of proxy IPs/CIDRs (e.g. HAProxy) whose `X-Forwarded-For` names the client; from anyone else the header is ignored' },
  { key: 'redisUrl', env: 'EH_REDIS_URL', schema: Joi.string().uri({ scheme: ['redis', 'rediss'] }), description: 'Redis URL (`redis://host:6379`): turns on cluster mode (Socket.IO Redis adapter, cluster stats, broadcast, revocations); unset: a single node needing no Redis. See docs/SCALING.md' },
  { key: 'redisPrefix', env: 'EH_REDIS_PREFIX', schema: Joi.string().pattern(/^[A-Za-z0-9_.:-]{1,64}$/).default('eh'), description: 'Prefix of every Redis key and channel of this cluster; nodes sharing it form one cluster' },
  { key: 'clusterHeartbeatMs', env: 'EH_CLUSTER_HEARTBEAT_MS', schema: Joi.number().integer().min(100).default(5000), description: "How often a node renews its state in Redis; a node that misses three is dropped from the cluster's counts" },
  { key: 'adminToken', env: 'EH_ADMIN_TOKEN', schema: Joi.string().min(16), description: 'Bearer token for the operator API (`GET /api/stats`, `POST /api/broadcast`, `GET /api/sockets`); unset: that API answers 403' },
  { key: 'ipLimitScope', env: 'EH_IP_LIMIT_SCOPE', schema: Joi.string().valid('node', 'cluster').default('node').when('redisUrl', { not: Joi.exist(), then: Joi.valid(Joi.override, 'node').messages({ 'any.only': 'must be "node" unless EH_REDIS_URL is set' }) }), description: '`EH_MAX_CONNECTIONS_PER_IP` counted per node, or across the `cluster` (through Redis; needs `EH_REDIS_URL`)' },
  { key: 'workers', env: 'EH_WORKERS', schema: Joi.number().integer().min(0).max(256).default(0), description: 'Worker processes sharing the port (see docs/SCALING.md): `0` (default) one per core (one process when built-in TLS is on); `1` one process; a reconnecting browser returns to its worker (an affinity cookie), which recovers what it missed' },
];

/** `EH_MAX_MESSAGE_BYTES` → `--max-message-bytes`. */
export function flagName(env: string): string {
  return '--' + env.replace(/^EH_/, '').toLowerCase().replace(/_/g, '-');
}

export class ConfigError extends Error {}

/** A joi string whose value `check` accepts (it throws an Error saying what is wrong otherwise). */
function checkedString(check: (value: string) => unknown): Joi.StringSchema {
  return Joi.string().custom((value: string, helpers) => {
    try {
      check(value);
      return value;
    } catch (err) {
      return helpers.message({ custom: (err as Error).message });
    }
  });
}

function parseFlags(argv: readonly string[]): { values: Record<string, unknown>; configFile?: string } {
  const byFlag = new Map(SETTINGS.map((s) => [flagName(s.env), s]));
  const values: Record<string, unknown> = {};
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const next = () => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new ConfigError(`${flag} needs a value`);
      i++;
      return v;
    };
    if (flag === '--config') {
      configFile = next();
      continue;
    }
    const setting = byFlag.get(flag);
    if (!setting) throw new ConfigError(`unknown option ${flag} (see --help)`);
    // A boolean flag alone means true: `--demo`.
    const isBoolean = setting.schema.type === 'boolean';
    values[setting.key] = isBoolean && inline === undefined && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--')) ? true : next();
  }
  return configFile === undefined ? { values } : { values, configFile };
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${file}: must hold a JSON object`);
  const known = new Set<string>(SETTINGS.map((s) => s.key));
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new ConfigError(`config file ${file}: unknown setting "${key}" (settings: ${[...known].join(', ')})`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Builds the configuration: defaults < JSON file (--config) < env vars < CLI flags.
 * Throws a ConfigError naming the setting and what is wrong.
 * @example loadConfig(["--port", "6000"], { EH_LOG_LEVEL: "debug" })
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  return loadConfigWithSources(argv, env).config;
}

/** A configuration and, for each setting given explicitly, where it came from (`EH_PORT`, `--port`, …). */
export interface LoadedConfig {
  config: Config;
  setBy: Partial<Record<keyof Config, string>>;
}

/**
 * {@link loadConfig}, also telling which settings were given rather than defaulted.
 * @example const { config, setBy } = loadConfigWithSources(argv, process.env); setBy.jwtIssuer // "EH_JWT_ISSUER"
 */
export function loadConfigWithSources(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  const flags = parseFlags(argv);
  const file = flags.configFile ? readConfigFile(flags.configFile) : {};
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const s of SETTINGS) {
    const sources: Array<[unknown, string]> = [
      [file[s.key], `"${s.key}" in ${flags.configFile}`],
      [env[s.env], s.env],
      [flags.values[s.key], flagName(s.env)],
    ];
    for (const [value, where] of sources) {
      if (value !== undefined && value !== '') {
        merged[s.key] = value;
        origin[s.key] = where;
      }
    }
  }
  const schema = Joi.object(Object.fromEntries(SETTINGS.map((s) => [s.key, s.schema])));
  const { value, error } = schema.validate(merged, { abortEarly: true, convert: true });
  const refuse = (key: string, message: string, got: unknown): never => {
    const where = origin[key] ?? SETTINGS.find((s) => s.key === key)?.env ?? key;
    throw new ConfigError(`invalid setting ${where}: ${message} (got ${JSON.stringify(got)})`);
  };
  if (error) {
    const key = String(error.details[0]?.path[0] ?? '');
    refuse(key, error.details[0]?.message.replace(/^"[^"]+" /, '') ?? 'invalid', merged[key]);
  }
  const config = value as Config;
  for (const check of CROSS_CHECKS) if (!check.holds(config)) refuse(check.key, check.message, config[check.key]);
  return { config, setBy: origin as LoadedConfig['setBy'] };
}

/** Rules between settings, checked on the values after defaults (joi does not check its defaults). */
const CROSS_CHECKS: Array<{ key: keyof Config; holds(c: Config): boolean; message: string }> = [
  {
    key: 'legacyHeartbeatIntervalMs',
    holds: (c) => c.legacyHeartbeatIntervalMs < c.legacyHeartbeatTimeoutMs,
    message: 'must be below EH_LEGACY_HEARTBEAT_TIMEOUT_MS, or every 0.9 websocket client times out between heartbeats',
  },
  {
    key: 'legacyPollTimeoutMs',
    holds: (c) => c.legacyPollTimeoutMs < c.legacyHeartbeatTimeoutMs,
    message: 'must be below EH_LEGACY_HEARTBEAT_TIMEOUT_MS, or a 0.9 polling client is timed out while the server holds its poll',
  },
  { key: 'workers', holds: (c) => c.workers <= 1 || c.tlsCert === undefined, message: 'must be 0 or 1 with built-in TLS (EH_TLS_CERT): workers pin polling sessions by reading their requests, so end TLS at the proxy to run several' },
  { key: 'tlsKey', holds: (c) => c.tlsKey !== undefined || c.tlsCert === undefined, message: 'is required with EH_TLS_CERT (set both for built-in TLS, or neither)' },
];

/** The README's configuration table, generated from {@link SETTINGS}. */
export function configTable(): string {
  const rows = SETTINGS.map((s) => {
    const def = s.schema.describe().flags as { default?: unknown } | undefined;
    let shown = def?.default === undefined ? '' : String(def.default);
    if (s.key === 'tokensFile') shown = 'config/demo-tokens.json';
    return `| \`${s.env}\` | \`${flagName(s.env)}\` | ${shown === '' ? 'unset' : `\`${shown}\``} | ${s.description} |`;
  });
  return ['| env var | CLI flag | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
