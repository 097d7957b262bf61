// Unique ids per test, so tests never see each other's events on the shared broker.
import { randomBytes } from 'node:crypto';

/** A fresh KAZOO-style account id: 32 lowercase hex characters. */
export function newAccountId(): string {
  return randomBytes(16).toString('hex');
}

/** A fresh call id with characters KAZOO encodes in routing keys (`@`, `.`). */
export function newCallId(): string {
  return `${randomBytes(6).toString('hex')}@test.example.com`;
}

export function newToken(): string {
  return `tok-${randomBytes(12).toString('hex')}`;
}
