// Owns reading Redis's clock: the TIME reply (seconds and microseconds as strings) as milliseconds, so
// every node stamps history and session records by the one clock they share.

/**
 * Milliseconds since the epoch from a Redis TIME reply.
 * @example const now = redisTimeMs(await client.time());
 */
export function redisTimeMs(reply: readonly unknown[]): number {
  const [seconds, micros] = reply;
  if (seconds === undefined || micros === undefined) throw new Error('Redis TIME answered without seconds and microseconds');
  return Number(String(seconds)) * 1000 + Math.floor(Number(String(micros)) / 1000);
}
