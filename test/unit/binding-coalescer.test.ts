// Coalescing account bindings per shape, over a binder that plays the broker's part in memory (the
// test confirms each binding when it chooses): which broker bindings are held, that every account
// stays covered by a live binding through every move, and that refcounts come back to zero.
import type { AmqpBinding } from '../../src/bindings/family';
import { BindingCoalescer, shapeOf } from '../../src/bus/binding-coalescer';

const id = (b: AmqpBinding) => `${b.exchange} ${b.routingKey}`;

/** Refcounted bindings; an acquire resolves once the test confirms the binding live (or it is released). */
class MemoryBinder {
  readonly counts = new Map<string, number>();
  readonly live = new Set<string>();
  private readonly waiting = new Map<string, Array<() => void>>();

  acquire(b: AmqpBinding): Promise<void> {
    this.counts.set(id(b), (this.counts.get(id(b)) ?? 0) + 1);
    if (this.live.has(id(b))) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(id(b), [...(this.waiting.get(id(b)) ?? []), resolve]));
  }

  release(b: AmqpBinding): void {
    const n = (this.counts.get(id(b)) ?? 0) - 1;
    if (n < 0) throw new Error(`released ${id(b)} more often than acquired`);
    if (n > 0) return void this.counts.set(id(b), n);
    this.counts.delete(id(b));
    this.live.delete(id(b));
    this.resolve(id(b));
  }

  /** The broker confirms every binding asked for so far. */
  confirmAll(): void {
    for (const key of [...this.counts.keys()]) {
      this.live.add(key);
      this.resolve(key);
    }
  }

  held(): string[] {
    return [...this.counts.keys()].sort();
  }

  private resolve(key: string): void {
    for (const r of this.waiting.get(key) ?? []) r();
    this.waiting.delete(key);
  }
}

const user = (acct: string): AmqpBinding => ({ exchange: 'configuration', routingKey: `doc_edited.${acct}.user.*`, accountWord: 1 });
const SHAPE = 'configuration doc_edited.*.user.*';
const flush = () => new Promise((r) => setImmediate(r));

/** Whether every wanted account binding is covered by a live broker binding (its own or the shape). */
function covered(binder: MemoryBinder, accounts: string[]): boolean {
  return accounts.every((a) => binder.live.has(id(user(a))) || binder.live.has(SHAPE));
}

describe('shapeOf', () => {
  it('wildcards the account word', () => {
    expect(shapeOf(user('acc1'))).toEqual({ exchange: 'configuration', routingKey: 'doc_edited.*.user.*' });
  });
  it('has no shape without an account word, or when that word is already a wildcard', () => {
    expect(shapeOf({ exchange: 'callevt', routingKey: 'call.CHANNEL_CREATE.*' })).toBeUndefined();
    expect(shapeOf(user('*'))).toBeUndefined();
    expect(shapeOf({ exchange: 'x', routingKey: 'a.b', accountWord: 5 })).toBeUndefined();
  });
});

describe('BindingCoalescer', () => {
  it('holds one binding per account below the threshold, and bindings without a shape as they are', () => {
    const binder = new MemoryBinder();
    const c = new BindingCoalescer(binder, 3);
    void c.acquire(user('a1'));
    void c.acquire(user('a2'));
    void c.acquire({ exchange: 'callevt', routingKey: 'call.CHANNEL_CREATE.*' });
    expect(binder.held()).toEqual(['callevt call.CHANNEL_CREATE.*', 'configuration doc_edited.a1.user.*', 'configuration doc_edited.a2.user.*']);
    expect(c.coalescedShapes).toBe(0);
  });

  it('moves to the shape at the threshold, dropping the accounts\' own bindings only once the shape is live', async () => {
    const binder = new MemoryBinder();
    const c = new BindingCoalescer(binder, 3);
    const accounts = ['a1', 'a2'];
    await Promise.all([...accounts.map((a) => c.acquire(user(a))), (binder.confirmAll(), flush())]);
    binder.confirmAll();
    expect(covered(binder, accounts)).toBe(true);
    const third = c.acquire(user('a3'));
    accounts.push('a3');
    expect(c.coalescedShapes).toBe(1);
    // The shape is asked for but not live: the first accounts keep their own bindings.
    await flush();
    expect(binder.held()).toEqual([SHAPE, 'configuration doc_edited.a1.user.*', 'configuration doc_edited.a2.user.*']);
    expect(covered(binder, ['a1', 'a2'])).toBe(true);
    binder.confirmAll();
    await third;
    await flush();
    expect(binder.held()).toEqual([SHAPE]);
    expect(covered(binder, accounts)).toBe(true);
  });

  it('moves back to one binding per account below half the threshold, dropping the shape only once they are live', async () => {
    const binder = new MemoryBinder();
    const c = new BindingCoalescer(binder, 4);
    const accounts = ['a1', 'a2', 'a3', 'a4'];
    const all = Promise.all(accounts.map((a) => c.acquire(user(a))));
    binder.confirmAll();
    await all;
    await flush();
    expect(binder.held()).toEqual([SHAPE]);
    c.release(user('a4'));
    c.release(user('a3'));
    expect(binder.held()).toEqual([SHAPE]); // 2 left: not below half of 4
    c.release(user('a2'));
    expect(c.coalescedShapes).toBe(0);
    await flush();
    expect(binder.held()).toEqual([SHAPE, 'configuration doc_edited.a1.user.*']);
    expect(covered(binder, ['a1'])).toBe(true);
    binder.confirmAll();
    await flush();
    expect(binder.held()).toEqual(['configuration doc_edited.a1.user.*']);
    expect(covered(binder, ['a1'])).toBe(true);
    c.release(user('a1'));
    expect(binder.held()).toEqual([]);
  });

  it('keeps an account acquired twice covered until its last release, through moves', async () => {
    const binder = new MemoryBinder();
    const c = new BindingCoalescer(binder, 2);
    void c.acquire(user('a1'));
    void c.acquire(user('a1'));
    void c.acquire(user('a2'));
    binder.confirmAll();
    await flush();
    binder.confirmAll();
    await flush();
    expect(binder.held()).toEqual([SHAPE]);
    expect(binder.counts.get(SHAPE)).toBe(3);
    c.release(user('a2')); // one account left: below half of 2 is below 1, so it stays coalesced
    c.release(user('a1'));
    expect(covered(binder, ['a1'])).toBe(true);
    c.release(user('a1'));
    c.release(user('a1')); // an extra release is ignored
    expect(binder.held()).toEqual([]);
  });

  it('settles refcounts when a move is overtaken by the opposite one before the broker answered', async () => {
    const binder = new MemoryBinder();
    const c = new BindingCoalescer(binder, 4);
    for (const a of ['a1', 'a2', 'a3']) void c.acquire(user(a));
    binder.confirmAll();
    await flush();
    void c.acquire(user('a4')); // coalesces; the shape is not confirmed yet
    c.release(user('a4'));
    c.release(user('a3'));
    c.release(user('a2')); // one left: back to its own binding while the shape is still pending
    await flush();
    expect(covered(binder, ['a1'])).toBe(true);
    binder.confirmAll();
    await flush();
    await flush();
    expect(binder.held()).toEqual(['configuration doc_edited.a1.user.*']);
    expect(binder.counts.get('configuration doc_edited.a1.user.*')).toBe(1);
    c.release(user('a1'));
    await flush();
    expect(binder.held()).toEqual([]);
  });
});
