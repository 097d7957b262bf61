// The library's public surface: the client, its events and errors, and the typed KAZOO catalogue.
export { EventHorizonClient } from './client';
export type { Subscription } from './client';
export { backoffDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export { ReplyError, TimeoutError, ConnectionError, replyErrorKind } from './errors';
export type { ReplyErrorKind } from './errors';
export * from './catalogue';
export type * from './events';
export type * from './types';
export type { WebSocketLike, WebSocketConstructor } from './socket';
