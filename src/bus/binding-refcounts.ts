// Owns the bookkeeping of broker bindings: how many rooms need each one, whether it is live on the
// broker, and who waits for it. Pure state; the AMQP driver performs what it asks for.
import type { AmqpBinding } from '../bindings/family';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** One broker binding's state. */
export class BindingState {
  count = 0;
  bound = false;
  /** Broker operations queued or running; the binding's state is settled only when none are. */
  inFlight = 0;
  /** Serialises broker operations on this binding (bind, unbind). */
  chain: Promise<void> = Promise.resolve();
  readonly waiters: Waiter[] = [];

  constructor(readonly binding: AmqpBinding) {}

  /** Resolves every waiter once the binding is live. */
  settle(): void {
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  fail(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

export function bindingId(b: AmqpBinding): string {
  return `${b.exchange}\u0000${b.routingKey}`;
}

/**
 * Reference counts over broker bindings.
 * @example const s = refs.acquire(b); if (s.count === 1) bindOnBroker(b);
 */
export class BindingRefcounts {
  private readonly states = new Map<string, BindingState>();

  /** Bindings currently wanted (count > 0). */
  wanted(): BindingState[] {
    return [...this.states.values()].filter((s) => s.count > 0);
  }

  all(): IterableIterator<BindingState> {
    return this.states.values();
  }

  acquire(binding: AmqpBinding): BindingState {
    const id = bindingId(binding);
    let state = this.states.get(id);
    if (!state) {
      state = new BindingState(binding);
      this.states.set(id, state);
    }
    state.count++;
    return state;
  }

  release(binding: AmqpBinding): BindingState | undefined {
    const state = this.states.get(bindingId(binding));
    if (!state || state.count === 0) return undefined;
    state.count--;
    return state;
  }

  /** Forgets a binding nobody wants and the broker no longer holds. */
  forgetIfIdle(state: BindingState): void {
    if (state.count === 0 && !state.bound && state.inFlight === 0) {
      // Whoever still waits released the binding: nothing to wait for.
      state.settle();
      this.states.delete(bindingId(state.binding));
    }
  }
}
