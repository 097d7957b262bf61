// Owns the contract of a pub/sub link between processes (the shape the cluster's relays need): Redis
// between machines, the primary process between the workers of one machine. Knows no transport.

/**
 * Publish/subscribe with an up/down state; what RevocationRelay and ClusterConnectionLimiter use.
 * @example link.subscribe('eh:cluster:ip', (m) => hear(m)); await link.publish('eh:cluster:ip', '{}');
 */
export interface PeerLink {
  readonly up: boolean;
  subscribe(channel: string, listener: (message: string) => void): void;
  /** Resolves false (never throws) when the message could not be sent. */
  publish(channel: string, message: string): Promise<boolean>;
  onChange(listener: (up: boolean) => void): void;
}
