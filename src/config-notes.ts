// Owns the start-up warnings about settings given but without effect: those that belong to an
// authentication driver or a mode (cluster) other than the one configured. Pure; main.ts logs them.
import type { Config, LoadedConfig } from './config';

interface Scope {
  keys: ReadonlyArray<keyof Config>;
  applies(config: Config): boolean;
  /** Why the setting does nothing here, and what would make it count. */
  because(config: Config): string;
}

const SCOPES: readonly Scope[] = [
  { keys: ['jwtPublicKey', 'jwtIssuer', 'jwtAudience'], applies: (c) => c.auth === 'jwt', because: (c) => `only EH_AUTH=jwt reads it (EH_AUTH is ${c.auth})` },
  { keys: ['crossbarTimeoutMs'], applies: (c) => c.auth === 'crossbar', because: (c) => `only EH_AUTH=crossbar reads it (EH_AUTH is ${c.auth})` },
  { keys: ['tokensFile'], applies: (c) => c.auth === 'static', because: (c) => `only EH_AUTH=static reads it (EH_AUTH is ${c.auth})` },
  { keys: ['redisPrefix'], applies: (c) => c.redisUrl !== undefined, because: () => 'it applies to cluster mode only, and EH_REDIS_URL is unset' },
  // Workers of one machine renew their snapshots for each other too (EH_WORKERS is 0, one per core, or above 1).
  { keys: ['clusterHeartbeatMs'], applies: (c) => c.redisUrl !== undefined || c.workers !== 1, because: () => 'it applies to cluster mode and to several workers only, and EH_REDIS_URL is unset with EH_WORKERS=1' },
];

/**
 * One line per setting that was given explicitly but is ignored by this configuration. Warned about,
 * not refused: an environment file shared by a fleet, or kept for a rollback to the previous driver,
 * should not stop a node (exit 2 is not restarted by the shipped systemd unit).
 * @example ignoredSettings(loadConfigWithSources([], { EH_JWT_ISSUER: "kazoo" })) // ["EH_JWT_ISSUER is ignored: only EH_AUTH=jwt reads it (EH_AUTH is static)"]
 */
export function ignoredSettings({ config, setBy }: LoadedConfig): string[] {
  const lines: string[] = [];
  for (const scope of SCOPES) {
    if (scope.applies(config)) continue;
    for (const key of scope.keys) {
      const where = setBy[key];
      if (where !== undefined) lines.push(`${where} is ignored: ${scope.because(config)}`);
    }
  }
  return lines;
}
