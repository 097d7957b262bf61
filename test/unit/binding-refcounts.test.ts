// BindingRefcounts: how many rooms need each broker binding, whether it is live, and who waits for it.
// The AMQP driver acts on what these counts say; here they are checked alone.
import { BindingRefcounts, bindingId } from '../../src/bus/binding-refcounts';

const CREATE = { exchange: 'callevt', routingKey: 'call.CHANNEL_CREATE.*' };
const ANSWER = { exchange: 'callevt', routingKey: 'call.CHANNEL_ANSWER.*' };

describe('BindingRefcounts', () => {
  it('counts users per (exchange, routing key): the first acquire is the one that must bind', () => {
    const refs = new BindingRefcounts();
    const first = refs.acquire(CREATE);
    expect(first.count).toBe(1);
    const second = refs.acquire({ ...CREATE });
    expect(second).toBe(first);
    expect(second.count).toBe(2);
    expect(refs.acquire(ANSWER)).not.toBe(first);
    expect(refs.acquire({ exchange: 'other', routingKey: CREATE.routingKey })).not.toBe(first);
  });

  it('never confuses two bindings whose exchange and key run together the same way', () => {
    expect(bindingId({ exchange: 'ab', routingKey: 'c' })).not.toBe(bindingId({ exchange: 'a', routingKey: 'bc' }));
    const refs = new BindingRefcounts();
    expect(refs.acquire({ exchange: 'ab', routingKey: 'c' })).not.toBe(refs.acquire({ exchange: 'a', routingKey: 'bc' }));
  });

  it('counts down on release, the last release leaving it at zero, and never below', () => {
    const refs = new BindingRefcounts();
    refs.acquire(CREATE);
    refs.acquire(CREATE);
    expect(refs.release(CREATE)?.count).toBe(1);
    expect(refs.release(CREATE)?.count).toBe(0);
    expect(refs.release(CREATE)).toBeUndefined();
    expect(refs.release(ANSWER)).toBeUndefined();
    expect([...refs.all()].map((s) => s.count)).toEqual([0]);
  });

  it('lists as wanted only the bindings some room still needs (what a reconnect re-binds)', () => {
    const refs = new BindingRefcounts();
    refs.acquire(CREATE);
    refs.acquire(ANSWER);
    refs.release(ANSWER);
    expect(refs.wanted().map((s) => s.binding)).toEqual([CREATE]);
  });

  it('forgets a binding only when nobody wants it, the broker no longer holds it and no operation is in flight', () => {
    const refs = new BindingRefcounts();
    const state = refs.acquire(CREATE);
    state.bound = true;
    refs.release(CREATE);
    refs.forgetIfIdle(state);
    expect([...refs.all()]).toEqual([state]); // still bound on the broker
    state.bound = false;
    state.inFlight = 1;
    refs.forgetIfIdle(state);
    expect([...refs.all()]).toEqual([state]); // an unbind is still running
    state.inFlight = 0;
    refs.acquire(CREATE);
    refs.forgetIfIdle(state);
    expect([...refs.all()]).toEqual([state]); // wanted again
    refs.release(CREATE);
    refs.forgetIfIdle(state);
    expect([...refs.all()]).toEqual([]);
    expect(refs.acquire(CREATE)).not.toBe(state);
  });

  it('resolves every waiter when the binding goes live, and rejects them all when it fails', async () => {
    const refs = new BindingRefcounts();
    const state = refs.acquire(CREATE);
    const live = [0, 1].map(() => new Promise<void>((resolve, reject) => state.waiters.push({ resolve, reject })));
    state.settle();
    await expect(Promise.all(live)).resolves.toEqual([undefined, undefined]);
    expect(state.waiters).toHaveLength(0);
    const failed = new Promise<void>((resolve, reject) => state.waiters.push({ resolve, reject }));
    state.fail(new Error('channel closed'));
    await expect(failed).rejects.toThrow('channel closed');
    expect(state.waiters).toHaveLength(0);
  });
});
