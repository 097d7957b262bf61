// The shared history and the session directory against the real Redis: two writers of the same events
// keep one entry each, in order; positions read back on another connection; the cap and the window
// bound a stream and a resume learns it was trimmed; accounts never mix; a record is claimed once.
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { eventId, HistoryHit, RedisHistory } from '../../src/cluster/redis-history';
import { seal, SessionDirectory, unseal } from '../../src/cluster/session-directory';
import type { RedisClient } from '../../src/cluster/redis-link';
import { newAccountId } from '../helpers/ids';

const REDIS_URL = process.env['EH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `eh-test-hist-${randomBytes(4).toString('hex')}`;
let a: RedisClient;
let b: RedisClient;

beforeAll(async () => {
  a = createClient({ url: REDIS_URL });
  b = createClient({ url: REDIS_URL });
  await Promise.all([a.connect(), b.connect()]);
});

afterAll(async () => {
  const keys = await a.keys(`${prefix}:*`);
  if (keys.length > 0) await a.del(keys);
  await Promise.all([a.close(), b.close()]);
});

function history(client: RedisClient, nodeTag: string, maxEvents = 10_000, windowMs = 60_000): RedisHistory {
  return new RedisHistory({ client, prefix, nodeTag, windowMs, maxEvents });
}

function hit(accountId: string, binding: string, seq: number): HistoryHit {
  const body = JSON.stringify({ 'Call-ID': `c-${seq}`, Seq: seq, 'Msg-ID': `m-${seq}` });
  return { accountId, room: `${accountId}/${binding}`, envelope: JSON.stringify({ action: 'event', data: { seq } }), name: 'CHANNEL_CREATE', payload: body, event: eventId(`call.CHANNEL_CREATE.c-${seq}`, body) };
}

const seqOf = (envelope: string) => (JSON.parse(envelope) as { data: { seq: number } }).data.seq;

it('keeps one entry per room hit when two nodes append the same events, in the order they were routed', async () => {
  const account = newAccountId();
  const nodeA = history(a, 'node-a');
  const nodeB = history(b, 'node-b');
  const room = `${account}/call.*.*`;
  const writes: Array<Promise<string>> = [];
  // Each node sees the same 300 events in the same order, interleaved with the other.
  for (let seq = 1; seq <= 300; seq++) {
    writes.push(nodeA.append(hit(account, 'call.*.*', seq)));
    if (seq > 5) writes.push(nodeB.append(hit(account, 'call.*.*', seq - 5)));
  }
  for (let seq = 296; seq <= 300; seq++) writes.push(nodeB.append(hit(account, 'call.*.*', seq)));
  await Promise.all(writes);
  const { entries, complete } = await nodeB.readAfter(account, '0-0', new Set([room]));
  expect(complete).toBe(true);
  expect(entries.map((e) => seqOf(e.envelope))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  // Both nodes know the position of the last event they appended: the same entry.
  const [posA, posB] = [await nodeA.nodePositions('node-a', [account]), await nodeB.nodePositions('node-b', [account])];
  expect(posA[account]).toBe(entries[299]!.id);
  expect(posB[account]).toBe(entries[299]!.id);
  // Read after a position from the other connection: exactly what followed it.
  const after = await nodeA.readAfter(account, entries[249]!.id, new Set([room]));
  expect(after.entries.map((e) => seqOf(e.envelope))).toEqual(Array.from({ length: 50 }, (_, i) => 251 + i));
});

it('returns only the rooms asked for, and never another account\'s entries', async () => {
  const [mine, theirs] = [newAccountId(), newAccountId()];
  const node = history(a, 'node-iso');
  for (let seq = 1; seq <= 20; seq++) {
    void node.append(hit(mine, seq % 2 ? 'call.*.*' : 'fax.*', seq));
    void node.append(hit(theirs, 'call.*.*', seq));
  }
  await node.flushed();
  const { entries } = await node.readAfter(mine, '0-0', new Set([`${mine}/call.*.*`, `${theirs}/call.*.*`]));
  expect(entries.map((e) => seqOf(e.envelope))).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  expect(entries.every((e) => e.room === `${mine}/call.*.*`)).toBe(true);
});

it('bounds a stream by the cap, and a resume from before the trimmed part is not complete', async () => {
  const account = newAccountId();
  const node = history(a, 'node-cap', 100);
  const room = `${account}/call.*.*`;
  const first = await node.append(hit(account, 'call.*.*', 0));
  for (let seq = 1; seq <= 1000; seq++) void node.append(hit(account, 'call.*.*', seq));
  await node.flushed();
  // MAXLEN ~ trims whole radix nodes: at most the cap plus one node's worth.
  const length = await a.xLen(node.streamKey(account));
  expect(length).toBeGreaterThanOrEqual(100);
  expect(length).toBeLessThanOrEqual(200);
  const fromStart = await node.readAfter(account, first, new Set([room]));
  expect(fromStart.complete).toBe(false);
  expect(fromStart.entries.at(-1) && seqOf(fromStart.entries.at(-1)!.envelope)).toBe(1000);
  const recent = fromStart.entries.at(-50)!.id;
  const fromRecent = await node.readAfter(account, recent, new Set([room]));
  expect(fromRecent.complete).toBe(true);
  expect(fromRecent.entries).toHaveLength(49);
});

it('gives a stream and its dedupe keys the window as their lifetime', async () => {
  const account = newAccountId();
  const node = history(a, 'node-ttl', 10_000, 5_000);
  await node.append(hit(account, 'call.*.*', 1));
  const ttl = await a.pTTL(node.streamKey(account));
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(5_000);
  expect(await a.pTTL(node.positionsKey())).toBeLessThanOrEqual(5_000);
});

it('maps a node\'s own history positions to the shared ones, so its Socket.IO offsets mean something elsewhere', async () => {
  const account = newAccountId();
  const node = history(a, 'node-map');
  const first = await node.append(hit(account, 'call.*.*', 1));
  const second = await node.append(hit(account, 'fax.*', 1));
  await node.mapLocal('1000-1', new Map([[account, { first, last: second }]]));
  await node.mapLocal('1000-5', new Map([[account, { first: second, last: second }]]));
  const reader = history(b, 'other-node');
  expect(await reader.sharedOfLocal('node-map', '1000-1')).toEqual({ exact: true, byAccount: new Map([[account, { first, last: second }]]) });
  // A position between two mapped events (a reply's offset) stands at the one before it.
  expect((await reader.sharedOfLocal('node-map', '1000-3'))?.exact).toBe(false);
  expect((await reader.sharedOfLocal('node-map', '1000-3'))?.byAccount.get(account)).toEqual({ first, last: second });
  expect(await reader.sharedOfLocal('node-map', '999-0')).toBeUndefined();
});

it('tells a resume from before an outage\'s end that the history has a gap, and one from after it that it has none', async () => {
  const node = history(a, 'node-gap');
  const account = newAccountId();
  const before = await node.append(hit(account, 'call.*.*', 1));
  expect(await node.gapAfter(before)).toBe(false);
  await node.markGap();
  expect(await history(b, 'other').gapAfter(before)).toBe(true);
  const after = await node.append(hit(account, 'call.*.*', 2));
  // Stream ids and the gap share Redis's clock; one millisecond later is after the gap.
  const later = `${Number(after.split('-')[0]) + 1}-0`;
  expect(await node.gapAfter(later)).toBe(false);
});

describe('session directory', () => {
  it('starts a new record at the node\'s last position, parks it at the exact one, and gives it to one claimer', async () => {
    const account = newAccountId();
    const node = history(a, 'node-dir');
    const directory = new SessionDirectory({ client: a, prefix, positionsKey: (t) => node.positionsKey(t) });
    const other = new SessionDirectory({ client: b, prefix, positionsKey: (t) => node.positionsKey(t) });
    const before = await node.append(hit(account, 'call.*.*', 1));
    const id = randomBytes(8).toString('hex');
    const saved = await directory.save(id, { resumption: 'by-command', node: 'node-dir', subscriptions: [{ accountId: account, binding: 'call.*.*' }], tokens: { [account]: 'tok' }, positions: {} }, 10_000);
    expect(saved.positions[account]).toBe(before);
    // Two more events reach the connection, then it drops: the record parks after them.
    void node.append(hit(account, 'call.*.*', 2));
    const last = node.append(hit(account, 'call.*.*', 3));
    expect(await directory.park(id, 10_000, 'node-dir')).toBe(true);
    const claims = await Promise.all([other.claim(id), directory.claim(id)]);
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ parked: true, resumption: 'by-command', positions: { [account]: await last } });
    expect(await directory.park(id, 10_000, 'node-dir')).toBe(false);
  });

  it('names records by a hash of their secret key, and seals tokens so only that key opens them', async () => {
    const id = randomBytes(16).toString('hex');
    const directory = new SessionDirectory({ client: a, prefix, positionsKey: (t) => `${prefix}:hpos:${t}` });
    const sealed = seal(id, 'tok-secret');
    await directory.save(id, { resumption: 'by-command', node: 'n', subscriptions: [{ accountId: 'acc', binding: 'call.*.*' }], tokens: { acc: sealed }, positions: { acc: '1-0' } }, 10_000);
    const keys = await a.keys(`${prefix}:rsess:*`);
    expect(keys.some((k) => k.includes(id))).toBe(false);
    const stored = await a.mGet(keys);
    expect(stored.some((v) => v?.includes('tok-secret') || v?.includes(id))).toBe(false);
    expect(unseal(id, sealed)).toBe('tok-secret');
    expect(unseal(randomBytes(16).toString('hex'), sealed)).toBeUndefined();
    expect((await directory.claim(id))?.tokens).toEqual({ acc: sealed });
  });

  it('starts at Redis\'s clock for an account the node never wrote, so later events follow it', async () => {
    const account = newAccountId();
    const node = history(a, 'node-fresh');
    const directory = new SessionDirectory({ client: a, prefix, positionsKey: (t) => node.positionsKey(t) });
    const saved = await directory.save('fresh-1', { resumption: 'on-reconnect', node: 'node-fresh', sid: 's1', subscriptions: [{ accountId: account, binding: 'call.*.*' }], tokens: { [account]: 'tok' }, positions: {} }, 10_000);
    await node.append(hit(account, 'call.*.*', 7));
    const { entries } = await node.readAfter(account, saved.positions[account]!, new Set([`${account}/call.*.*`]));
    expect(entries.map((e) => seqOf(e.envelope))).toEqual([7]);
    await directory.drop('fresh-1');
    expect(await directory.claim('fresh-1')).toBeUndefined();
  });
});
