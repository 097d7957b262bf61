// Owns the list of binding families and the two questions asked of it: what does a client
// binding need (plan), and which routed events does one AMQP delivery produce (route).
import { BindingFamily, PlanResult, RoutedEvent } from './family';
import { callFamily } from './families/call';
import { conferenceFamily } from './families/conference';
import { objectFamily } from './families/object';
import { faxFamily } from './families/fax';
import { presenceFamily } from './families/presence';
import { registrationFamily } from './families/registration';
import { qubicleFamily } from './families/qubicle';
import { notificationFamily } from './families/notification';
import { appEventFamily } from './families/app-event';

/** Every family this node offers, in the order the catalogue lists them. */
export const DEFAULT_FAMILIES: readonly BindingFamily[] = [
  callFamily, conferenceFamily, objectFamily, faxFamily, presenceFamily, registrationFamily, qubicleFamily, notificationFamily, appEventFamily,
];

export const NO_SUBSCRIPTIONS = 'no available subscriptions to requested binding';

/**
 * The binding families this node offers; adding a family is adding it to this list.
 * @example new BindingCatalogue().plan("call.CHANNEL_CREATE.*", accountId)
 */
export class BindingCatalogue {
  private readonly byExchange = new Map<string, BindingFamily[]>();

  constructor(readonly families: readonly BindingFamily[] = DEFAULT_FAMILIES) {
    for (const family of families) {
      for (const exchange of family.exchanges) {
        const list = this.byExchange.get(exchange) ?? [];
        list.push(family);
        this.byExchange.set(exchange, list);
      }
    }
  }

  /** Exchanges whose deliveries some family routes. */
  get exchanges(): string[] {
    return [...this.byExchange.keys()];
  }

  /** Validates a client binding for an account and returns what it needs, or KAZOO's error text. */
  plan(binding: string, accountId: string): PlanResult {
    const words = binding.split('.');
    if (words.some((w) => w === '')) return { ok: false, error: `malformed binding ${binding}: empty word between dots` };
    const family = this.families.find((f) => f.owns(words));
    if (!family) return { ok: false, error: NO_SUBSCRIPTIONS };
    return family.plan(words, binding, accountId);
  }

  /** Every routed event one AMQP delivery produces (usually one). */
  route(exchange: string, routingKey: string, payload: Record<string, unknown>): RoutedEvent[] {
    const out: RoutedEvent[] = [];
    for (const family of this.byExchange.get(exchange) ?? []) {
      const routed = family.route(exchange, routingKey, payload);
      if (routed) out.push(routed);
    }
    return out;
  }
}
