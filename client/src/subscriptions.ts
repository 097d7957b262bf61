// Owns which handlers want which (account, binding) and what the server holds: two handlers of one
// binding share one server subscription. Pure bookkeeping: sends nothing, knows no socket.
import type { EventEnvelope } from './events';

/** A handler as the registry stores it (typed per binding at the client's edge). */
export type AnyHandler = (event: EventEnvelope) => void;

interface Entry {
  accountId: string;
  binding: string;
  handlers: Set<AnyHandler>;
}

/** `{account}/{binding}`, as the server names its rooms. */
export function subscriptionKey(accountId: string, binding: string): string {
  return `${accountId}/${binding}`;
}

/**
 * Handlers keyed by account and binding.
 * @example const r = new SubscriptionRegistry(); if (r.add(acct, 'call.*.*', h)) send subscribe;
 */
export class SubscriptionRegistry {
  private readonly entries = new Map<string, Entry>();
  /** What the server confirmed holding on the current connection. */
  private readonly held = new Set<string>();

  /** Adds a handler; true when this is the binding's first handler (a subscribe is needed). */
  add(accountId: string, binding: string, handler: AnyHandler): boolean {
    const key = subscriptionKey(accountId, binding);
    const entry = this.entries.get(key);
    if (entry) {
      entry.handlers.add(handler);
      return false;
    }
    this.entries.set(key, { accountId, binding, handlers: new Set([handler]) });
    return true;
  }

  /** Removes a handler; true when it was the binding's last (an unsubscribe is needed). */
  remove(accountId: string, binding: string, handler: AnyHandler): boolean {
    const key = subscriptionKey(accountId, binding);
    const entry = this.entries.get(key);
    if (!entry || !entry.handlers.delete(handler)) return false;
    if (entry.handlers.size > 0) return false;
    this.entries.delete(key);
    return true;
  }

  /** Forgets a binding and all its handlers (the server refused it). */
  drop(accountId: string, binding: string): void {
    this.entries.delete(subscriptionKey(accountId, binding));
  }

  wants(accountId: string, binding: string): boolean {
    return this.entries.has(subscriptionKey(accountId, binding));
  }

  /** Every wanted binding, grouped by account. */
  wanted(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const e of this.entries.values()) out.set(e.accountId, [...(out.get(e.accountId) ?? []), e.binding]);
    return out;
  }

  markHeld(accountId: string, binding: string): void {
    this.held.add(subscriptionKey(accountId, binding));
  }

  markReleased(accountId: string, binding: string): void {
    this.held.delete(subscriptionKey(accountId, binding));
  }

  isHeld(accountId: string, binding: string): boolean {
    return this.held.has(subscriptionKey(accountId, binding));
  }

  /** The held (account, binding) pairs, then forgets them (the connection ended). */
  releaseAll(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const key of this.held) {
      const slash = key.indexOf('/');
      out.push([key.slice(0, slash), key.slice(slash + 1)]);
    }
    this.held.clear();
    return out;
  }

  /**
   * The handlers an event goes to. The envelope names the binding but not the account: when several
   * accounts hold the binding, the account is read from the account-scoped `subscription_key` (raw
   * id, or KAZOO's encoded account database `account%2Fxx%2Fyy%2F…`).
   */
  handlersFor(event: EventEnvelope): AnyHandler[] {
    const matches: Entry[] = [];
    for (const e of this.entries.values()) if (e.binding === event.subscribed_key) matches.push(e);
    if (matches.length <= 1) return matches.flatMap((e) => [...e.handlers]);
    const flat = String(event.subscription_key ?? '').replace(/%2F|\//gi, '');
    const scoped = matches.filter((e) => flat.includes(e.accountId));
    return (scoped.length > 0 ? scoped : matches).flatMap((e) => [...e.handlers]);
  }
}
