// Owns coalescing account bindings: when many accounts bind the same shape (the same binding with only
// the account word differing), the broker holds the shape once with the account wildcarded instead of
// one binding per account, so a queue loss re-binds one binding per shape. The hub's matching is exact
// per account, so the wider binding only brings other accounts' events into the node, where they are
// dropped. Moves between exact and coalesced bindings add the new ones and wait until the broker
// confirmed them before dropping the old ones (a queue holding both gets one copy), so nothing is lost.
// Knows nothing about AMQP: it asks a refcounted binder for broker bindings.
import type { AmqpBinding } from '../bindings/family';
import { bindingId } from './binding-refcounts';

/** What the coalescer asks for: refcounted broker bindings (acquire resolves once live, or once released). */
export interface Binder {
  acquire(binding: AmqpBinding): Promise<void>;
  release(binding: AmqpBinding): void;
}

interface Member {
  binding: AmqpBinding;
  /** Acquires of this exact binding not yet released. */
  count: number;
  /** The broker binding this member's acquires currently hold (its own, or the shape). */
  holds: AmqpBinding;
}

interface Group {
  shape: AmqpBinding;
  members: Map<string, Member>;
  coalesced: boolean;
}

/**
 * The shape of a binding: its account word wildcarded, or undefined when it names no account word (or
 * that word is already a wildcard).
 * @example shapeOf({ exchange: "configuration", routingKey: "doc_edited.acc1.user.*", accountWord: 1 })
 * // { exchange: "configuration", routingKey: "doc_edited.*.user.*" }
 */
export function shapeOf(binding: AmqpBinding): AmqpBinding | undefined {
  const at = binding.accountWord;
  if (at === undefined) return undefined;
  const words = binding.routingKey.split('.');
  const word = words[at];
  if (word === undefined || word === '*' || word === '#') return undefined;
  words[at] = '*';
  return { exchange: binding.exchange, routingKey: words.join('.') };
}

/**
 * Refcounted bindings, coalesced per shape once `threshold` accounts bind it, and back to exact ones
 * when fewer than half of that are left (so a shape at the edge does not flap).
 * @example
 * const c = new BindingCoalescer(binder, 50);
 * await c.acquire({ exchange: "configuration", routingKey: "doc_edited.acc1.user.*", accountWord: 1 });
 */
export class BindingCoalescer {
  private readonly groups = new Map<string, Group>();
  private readonly low: number;
  /** Moves between exact and coalesced bindings started, since start (logs, tests). */
  transitions = 0;

  constructor(private readonly binder: Binder, private readonly threshold: number) {
    this.low = Math.max(1, Math.floor(threshold / 2));
  }

  /** Shapes currently bound once for all their accounts. */
  get coalescedShapes(): number {
    let n = 0;
    for (const g of this.groups.values()) if (g.coalesced) n++;
    return n;
  }

  acquire(binding: AmqpBinding): Promise<void> {
    const shape = shapeOf(binding);
    if (!shape) return this.binder.acquire(binding);
    const gid = bindingId(shape);
    let group = this.groups.get(gid);
    if (!group) {
      group = { shape, members: new Map(), coalesced: false };
      this.groups.set(gid, group);
    }
    const id = bindingId(binding);
    let member = group.members.get(id);
    if (!member) {
      member = { binding, count: 0, holds: group.coalesced ? group.shape : binding };
      group.members.set(id, member);
    }
    // The account that reaches the threshold binds through the shape straight away.
    if (!group.coalesced && group.members.size >= this.threshold) this.move(group, true);
    member.count++;
    return this.binder.acquire(member.holds);
  }

  release(binding: AmqpBinding): void {
    const shape = shapeOf(binding);
    if (!shape) return this.binder.release(binding);
    const gid = bindingId(shape);
    const group = this.groups.get(gid);
    const member = group?.members.get(bindingId(binding));
    if (!group || !member) return;
    member.count--;
    this.binder.release(member.holds);
    if (member.count === 0) group.members.delete(bindingId(binding));
    if (group.members.size === 0) this.groups.delete(gid);
    else if (group.coalesced && group.members.size < this.low) this.move(group, false);
  }

  /**
   * Moves every member of a group to the shape (toShape) or back to its own binding: acquires the new
   * bindings now, releases the old ones once the new are live. A later move of the same group while
   * this one waits is fine: each releases only what it replaced.
   */
  private move(group: Group, toShape: boolean): void {
    group.coalesced = toShape;
    this.transitions++;
    const waits: Promise<void>[] = [];
    const replaced: AmqpBinding[] = [];
    for (const member of group.members.values()) {
      const target = toShape ? group.shape : member.binding;
      if (bindingId(target) === bindingId(member.holds)) continue;
      for (let i = 0; i < member.count; i++) {
        waits.push(this.binder.acquire(target));
        replaced.push(member.holds);
      }
      member.holds = target;
    }
    const done = () => {
      for (const old of replaced) this.binder.release(old);
    };
    Promise.all(waits).then(done, done);
  }
}
