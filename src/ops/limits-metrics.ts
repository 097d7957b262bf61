// Owns exposing the abuse-limit counters (guard/limits-counters) as Prometheus counters, read at scrape time.
import type { Registry } from 'prom-client';
import { LIMITS_HELP, LimitsCounters } from '../guard/limits-counters';
import { counterFrom } from './counter-metrics';

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

/**
 * Registers one Prometheus counter per field (`eh_limits_<field>_total`) on `registry`, read at scrape time.
 * @example const registry = new Registry(); registerLimitsMetrics(limits, registry); await registry.metrics();
 */
export function registerLimitsMetrics(counters: LimitsCounters, registry: Registry): void {
  for (const key of Object.keys(LIMITS_HELP) as Array<keyof LimitsCounters>) {
    counterFrom(registry, `eh_limits_${snake(key)}_total`, LIMITS_HELP[key], () => counters[key]);
  }
}
