// Owns the two questions unit tests ask a binding catalogue: the plan a binding makes for an account,
// or the refusal text it gets. Throws when the answer is the other one.
import type { BindingCatalogue } from '../../src/bindings/catalogue';
import type { SubscriptionPlan } from '../../src/bindings/family';

/**
 * @example const { plan, error } = planner(new BindingCatalogue(), ACCOUNT); plan('call.CHANNEL_CREATE.*').keys
 */
export function planner(catalogue: BindingCatalogue, defaultAccount: string) {
  return {
    plan(binding: string, account = defaultAccount): SubscriptionPlan {
      const r = catalogue.plan(binding, account);
      if (!r.ok) throw new Error(r.error);
      return r.plan;
    },
    error(binding: string, account = defaultAccount): string {
      const r = catalogue.plan(binding, account);
      if (r.ok) throw new Error(`expected ${binding} to be refused`);
      return r.error;
    },
  };
}
