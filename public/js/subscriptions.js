// Owns the subscriptions panel: binding picker (GET /api/bindings) plus free text, subscribe/unsubscribe
// buttons, the current subscriptions. Knows nothing of sockets: it acts through the callbacks it is given.
(function () {
  'use strict';
  const EH = window.EH;
  const { el } = EH.dom;

  /** Loads the binding families the server supports: `{families: [{name, forms: [{binding, description}]}]}`. */
  async function fetchFamilies() {
    const res = await fetch('/api/bindings', { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`GET /api/bindings answered ${res.status}`);
    return (await res.json()).families || [];
  }

  /**
   * @example new EH.SubscriptionsPanel(nodes, { subscribe: (bs) => …, unsubscribe: (bs) => … })
   */
  class SubscriptionsPanel {
    constructor(nodes, actions) {
      this.n = nodes;
      this.actions = actions;
      this.descriptions = new Map();
      nodes.form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const binding = this.binding();
        if (binding) actions.subscribe([binding]);
      });
      nodes.unsubscribe.addEventListener('click', () => {
        const binding = this.binding();
        if (binding) actions.unsubscribe([binding]);
      });
      nodes.unsubscribeAll.addEventListener('click', () => actions.unsubscribe([]));
      nodes.picker.addEventListener('change', () => this.pick());
      this.render([]);
      this.load();
    }

    binding() {
      return this.n.binding.value.trim();
    }

    async load() {
      let families;
      try {
        families = await fetchFamilies();
      } catch (err) {
        this.n.picker.replaceChildren(el('option', { value: '' }, [`Could not load binding families (${err.message})`]));
        return;
      }
      const groups = families.map((family) =>
        el('optgroup', { label: family.name }, family.forms.map((form) => {
          this.descriptions.set(form.binding, form.description);
          return el('option', { value: form.binding }, [form.binding]);
        })),
      );
      this.n.picker.replaceChildren(el('option', { value: '' }, ['Choose a binding form…']), ...groups);
    }

    /** Copies the chosen form into the binding field and selects its first placeholder to type over. */
    pick() {
      const form = this.n.picker.value;
      if (!form) return;
      const input = this.n.binding;
      input.value = form;
      this.n.description.textContent = this.descriptions.get(form) || '';
      input.focus();
      const start = form.indexOf('{');
      if (start >= 0) input.setSelectionRange(start, form.indexOf('}', start) + 1);
    }

    /** Shows the subscriptions: `[{binding, active}]` (pending ones wait for the server's reply). */
    render(subscriptions) {
      const items = subscriptions.map(({ binding, active }) => {
        const remove = el('button', { type: 'button', className: 'remove', title: `Unsubscribe from ${binding}`, attrs: { 'aria-label': `Unsubscribe from ${binding}` } }, ['×']);
        remove.addEventListener('click', () => this.actions.unsubscribe([binding]));
        return el('li', { dataset: { binding, status: active ? 'active' : 'pending' } }, [
          el('span', { className: 'pill' }, [active ? 'active' : 'pending']),
          el('code', {}, [binding]),
          remove,
        ]);
      });
      this.n.list.replaceChildren(...items);
      this.n.empty.hidden = items.length > 0;
    }

    status(text, kind) {
      this.n.status.textContent = text;
      this.n.status.dataset.kind = kind || '';
    }
  }

  EH.SubscriptionsPanel = SubscriptionsPanel;
})();
