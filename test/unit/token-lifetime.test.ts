// Token lifetime's own bookkeeping: what it keeps about connections that are gone (grants, expiry
// timers) is forgotten on time, whether or not periodic re-validation runs.
import pino from 'pino';
import { AccessControl } from '../../src/auth/access-control';
import { createLimitsCounters } from '../../src/guard/limits-counters';
import { TokenLifetime } from '../../src/lifetime/token-lifetime';
import type { Hub } from '../../src/hub/hub';
import { Session, SessionTransport } from '../../src/hub/session';

afterEach(() => jest.useRealTimers());

it('forgets the grants of a Socket.IO connection that never came back, with periodic re-validation off', async () => {
  jest.useFakeTimers();
  const logger = pino({ level: 'silent' });
  const account = 'a'.repeat(32);
  const hub = { sessions: new Set<Session>(), unsubscribe: (s: Session) => s.held.clear() } as unknown as Hub;
  const authenticate = jest.fn(() => Promise.resolve({ ok: false as const, error: 'no', reason: 'invalid' as const }));
  const access = AccessControl.plain({ authenticate }, logger);
  const lifetime = new TokenLifetime({ hub, access, counters: createLimitsCounters(), logger, recheckMs: 0, lineageMs: 60_000 });
  /** A connection with this Socket.IO id holding one subscription of the account. */
  const connection = (sid: string) => {
    const session = new Session({ generation: 'socketio', recoveryKey: sid, reply: () => undefined } as unknown as SessionTransport);
    session.held.set(`${account}/call.*.*`, { room: `${account}/call.*.*`, accountId: account, binding: 'call.*.*', since: Date.now() });
    return session;
  };
  try {
    for (let i = 0; i < 3; i++) lifetime.track(connection(`sid-${i}`), account, `token-${i}`, { accountId: account, descendants: new Set(), superduper: false });
    // The connections closed (they are not in the hub). One comes back in time: its token is checked.
    const early = connection('sid-1');
    hub.sessions.add(early);
    await lifetime.recovered(early);
    expect(authenticate.mock.calls).toEqual([['token-1']]);
    // The others never did: past the lineage time, a connection claiming their id inherits no grant.
    jest.advanceTimersByTime(2 * 60_000 + 1);
    const late = connection('sid-0');
    hub.sessions.add(late);
    await lifetime.recovered(late);
    expect(authenticate).toHaveBeenCalledTimes(1);
  } finally {
    lifetime.close();
  }
});

it('drops the expiry timer of a long-lived token once no connection holds it', () => {
  jest.useFakeTimers();
  const logger = pino({ level: 'silent' });
  const hub = { sessions: new Set<Session>() } as unknown as Hub;
  const access = AccessControl.plain({ authenticate: () => Promise.resolve({ ok: false, error: 'no' }) }, logger);
  const lifetime = new TokenLifetime({ hub, access, counters: createLimitsCounters(), logger, recheckMs: 0 });
  try {
    const [kept, gone] = [new Session({ generation: 'websocket' } as unknown as SessionTransport), new Session({ generation: 'websocket' } as unknown as SessionTransport)];
    hub.sessions.add(kept);
    const identity = { accountId: 'a'.repeat(32), descendants: new Set<string>(), superduper: false, expiresAt: Date.now() + 10 * 24 * 3600_000 };
    // The two expiry timers track() arms, caught as they are made (the clock is jest's fake one).
    const armed = jest.spyOn(global, 'setTimeout');
    lifetime.track(kept, identity.accountId, 'token-kept', identity);
    lifetime.track(gone, identity.accountId, 'token-gone', identity);
    const [keptTimer, goneTimer] = armed.mock.results.map((r) => r.value as unknown);
    armed.mockRestore();
    expect(goneTimer).toBeDefined();
    // The next sweep finds no connection holding token-gone: its ten-day timer goes, token-kept's stays.
    const cleared = jest.spyOn(global, 'clearTimeout');
    jest.advanceTimersByTime(60_001);
    const clearedTimers = cleared.mock.calls.map(([t]) => t as unknown);
    cleared.mockRestore();
    expect(clearedTimers).toContain(goneTimer);
    expect(clearedTimers).not.toContain(keptTimer);
  } finally {
    lifetime.close();
  }
});

it('a connection whose reply throws does not fail the round, nor the other connections in it; each is ended', async () => {
  const logger = pino({ level: 'silent' });
  const account = 'b'.repeat(32);
  const hub = {
    sessions: new Set<Session>(),
    unsubscribe: (s: Session, _a: string, bindings: string[]) => bindings.forEach((b) => s.held.delete(`${account}/${b}`)),
    unsubscribeAll: (s: Session) => s.held.clear(),
  } as unknown as Hub;
  const replies: string[] = [];
  const session = (reply: () => void) => {
    const s = new Session({ generation: 'websocket', reply, closeForCredentials: () => replies.push('closed') } as unknown as SessionTransport);
    // Held for a minute with no token granted on this connection: ended, fail closed.
    s.held.set(`${account}/call.*.*`, { room: `${account}/call.*.*`, accountId: account, binding: 'call.*.*', since: Date.now() - 60_000 });
    hub.sessions.add(s);
    return s;
  };
  session(() => {
    throw new Error('socket gone');
  });
  const healthy = session(() => replies.push('notice'));
  const access = AccessControl.plain({ authenticate: () => Promise.resolve({ ok: false, error: 'no' }) }, logger);
  const lifetime = new TokenLifetime({ hub, access, counters: createLimitsCounters(), logger, recheckMs: 0 });
  try {
    await expect(lifetime.recheckAll()).resolves.toBeUndefined();
    expect(replies).toEqual(['closed', 'notice', 'closed']);
    expect(healthy.held.size).toBe(0);
  } finally {
    lifetime.close();
  }
});
