// Owns request ids: a client's string is echoed, anything else gets a fresh 32-char hex id (as KAZOO does).
import { randomBytes } from 'node:crypto';

/** A fresh request id: 32 lowercase hex characters. */
export function freshRequestId(): string {
  return randomBytes(16).toString('hex');
}

/** The request id a reply carries for this inbound value. */
export function requestIdFor(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : freshRequestId();
}
