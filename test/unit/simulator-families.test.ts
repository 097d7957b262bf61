// The simulator's events are ones the bridge routes to the right account, kind by kind; the realms
// file fills the realm directory or fails naming the problem.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BindingCatalogue } from '../../src/bindings/catalogue';
import { RealmDirectory, realmDirectory } from '../../src/bindings/realm-directory';
import { EVENT_KINDS, familyEvent } from '../../src/simulator/kazoo-family-events';
import { exchangeOf, simulateFamily } from '../../src/simulator/simulate-family';

const A = '4b8c6fec4b2597882c0390202d195419';
const REALM = 'a.sim.example.com';
realmDirectory.set(A, REALM);
const catalogue = new BindingCatalogue();

describe('simulated events', () => {
  it.each(EVENT_KINDS.map((k) => [k]))('%s is routed to its account', (kind) => {
    const msg = familyEvent(kind, { accountId: A, realm: REALM });
    expect(exchangeOf(kind)).toBe(msg.exchange);
    const routed = catalogue.route(msg.exchange, msg.routingKey, msg.payload);
    expect(routed.length).toBeGreaterThan(0);
    for (const r of routed) expect(r.matchKey.split('.')).toContain(A);
  });

  it('publishes count events of one kind, each with its own id', async () => {
    const sent: string[] = [];
    await simulateFamily((_ex, rk) => sent.push(rk), 'fax', { accountId: A }, 3, 1000);
    expect(sent).toHaveLength(3);
    expect(new Set(sent).size).toBe(3);
  });
});

describe('realms file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-realms-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('maps accounts and realms both ways, realms case-insensitively', () => {
    const file = path.join(dir, 'ok.json');
    fs.writeFileSync(file, JSON.stringify({ realms: { [A]: 'Pbx.Example.com' } }));
    const realms = new RealmDirectory();
    realms.loadFile(file);
    expect(realms.realmOf(A)).toBe('Pbx.Example.com');
    expect(realms.accountOf('pbx.example.COM')).toBe(A);
  });

  it('names the file and the problem', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ realms: { 'not-an-account': 'x' } }));
    expect(() => new RealmDirectory().loadFile(file)).toThrow(/^realms file .*bad\.json: /);
  });
});
