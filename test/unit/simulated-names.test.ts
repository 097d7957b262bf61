// Simulated calls carry believable names (company, realm, switch, caller), consistent within an account,
// never the fixtures' lab names.
import { CALL_EVENTS } from '../../src/bindings/families/call';
import { callEvent } from '../../src/simulator/kazoo-events';
import { simulatedAccount } from '../../src/simulator/sim-accounts';

const ACCOUNT = '4b8c6fec4b2597882c0390202d195419';

it('re-addresses every name of the samples to the account, for every call event', () => {
  const account = simulatedAccount(ACCOUNT);
  expect(account.name).toMatch(/^[A-Z][A-Za-z&' ]+ [A-Z][a-z]+$/);
  expect(account.realm).toMatch(/^[a-z0-9-]+\.sip\.example\.com$/);
  for (const name of CALL_EVENTS) {
    const event = callEvent(name, ACCOUNT, 'c1@sim');
    const text = JSON.stringify(event);
    expect(text).not.toMatch(/wef|2600hz/);
    const ccv = event['Custom-Channel-Vars'] as Record<string, unknown>;
    expect(ccv['Account-Name']).toBe(account.name);
    expect(ccv['Account-Realm']).toBe(account.realm);
    expect(ccv['Realm']).toBe(account.realm);
    expect(String(event['From'])).toMatch(new RegExp(`@${account.realm.replace(/\./g, '\\.')}$`));
    expect(event['Media-Server']).toBe(account.mediaServer);
  }
  const answered = callEvent('CHANNEL_ANSWER', ACCOUNT, 'c1@sim');
  expect(answered['Caller-ID-Name']).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
  expect(answered['Caller-ID-Name']).not.toBe('web phone');
});

it('gives the same account the same names, and other accounts other names', () => {
  expect(simulatedAccount(ACCOUNT)).toEqual(simulatedAccount(ACCOUNT));
  const names = new Set(Array.from({ length: 40 }, (_, i) => simulatedAccount(i.toString(16).padStart(32, '0')).name));
  expect(names.size).toBeGreaterThan(5);
});
