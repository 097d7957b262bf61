import { normalizeKey, publicPayload } from '../../src/protocol/payload';
import { eventEnvelope } from '../../src/protocol/event-envelope';

describe('event payload as envelope clients see it', () => {
  it('lower_snake_cases keys recursively, inside arrays too', () => {
    expect(publicPayload({ 'Call-ID': 'a', 'Custom-Channel-Vars': { 'Account-ID': 'b' }, List: [{ 'Inner-Key': 1 }] })).toEqual({
      call_id: 'a',
      custom_channel_vars: { account_id: 'b' },
      list: [{ inner_key: 1 }],
    });
  });

  it("removes KAZOO's private headers and keeps the public ones", () => {
    const out = publicPayload({
      Node: 'n', 'Server-ID': 's', 'Server-Queue-ID': 'q', 'Msg-ID': 'm', 'App-Name': 'ecallmgr',
      'App-Version': '1', 'Event-Category': 'call_event', 'Event-Name': 'CHANNEL_CREATE', 'Account-ID': 'x', 'Call-ID': 'c',
    });
    expect(out).toEqual({ msg_id: 'm', app_name: 'ecallmgr', app_version: '1', event_category: 'call_event', event_name: 'CHANNEL_CREATE', account_id: 'x', call_id: 'c' });
  });

  it('drops nulls and lets a later colliding key win in the earlier position', () => {
    expect(publicPayload({ A: null, 'B-C': 1, b_c: 2, D: 3 })).toEqual({ b_c: 2, d: 3 });
    expect(Object.keys(publicPayload({ 'B-C': 1, D: 3, b_c: 2 }))).toEqual(['b_c', 'd']);
  });

  it('lower-cases Latin-1 capitals but not ×', () => {
    expect(normalizeKey('ÀÉ×Þ-X')).toBe('àé×þ_x');
  });

  it('leaves name out of an event envelope when the payload has no Event-Name', () => {
    expect(Object.keys(eventEnvelope('b', 's', undefined, 'r', {}))).toEqual(['action', 'subscribed_key', 'subscription_key', 'routing_key', 'data']);
  });
});
