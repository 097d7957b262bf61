// Owns the rooms table: this node's (account, binding) rooms with their member count and event rate,
// grouped by account and filtered as the operator types.
import { $, h, fill } from './dom.js';
import * as fmt from './format.js';

let rooms = [];

function render() {
  const q = $('rooms-q').value.trim().toLowerCase();
  const shown = rooms.filter((r) => !q || r.account_id.includes(q) || r.binding.toLowerCase().includes(q));
  shown.sort((a, b) => a.account_id.localeCompare(b.account_id) || b.events_per_sec - a.events_per_sec || a.binding.localeCompare(b.binding));
  const empty = $('rooms-empty');
  empty.hidden = shown.length > 0;
  if (rooms.length > 0 && shown.length === 0) empty.textContent = `No room matches "${q}": clear the filter to see all ${rooms.length}.`;
  let previous;
  fill($('rooms-body'), shown.map((r) => {
    const first = r.account_id !== previous;
    previous = r.account_id;
    return h('tr', { class: first ? 'group-start' : undefined },
      h('th', { scope: 'row', class: 'mono' }, first ? r.account_id : h('span', { class: 'sr-only' }, r.account_id)),
      h('td', { class: 'mono' }, r.binding),
      h('td', { class: 'num' }, `${fmt.count(r.members)} conn`),
      h('td', { class: 'num' }, fmt.rate(r.events_per_sec)));
  }));
}

/** Wires the filter; returns the renderer of one `rooms` event. */
export function roomsTable() {
  $('rooms-q').addEventListener('input', render);
  $('rooms-search').addEventListener('submit', (e) => e.preventDefault());
  return (data) => {
    rooms = data.rooms;
    render();
  };
}
