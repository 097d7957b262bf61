// Owns the believable names simulated calls carry: an account's company name and SIP realm, the switch
// host and the caller, picked from short lists by the account id (the same account always gets the same
// names). Domains are under example.com (reserved for documentation). Knows nothing of events.
import { createHash } from 'node:crypto';

const COMPANIES = [
  'Northwind Dental', 'Harbor Plumbing', 'Maple Street Clinic', 'Bluebird Logistics', 'Granite Law Group',
  'Summit Realty', 'Riverside Veterinary', 'Copperleaf Accounting', 'Oak & Iron Builders', 'Lakeside Insurance',
  'Brightpath Tutoring', 'Evergreen Property Management',
] as const;

const CALLERS = [
  'Maria Lopez', 'James Carter', 'Aiko Tanaka', 'Samuel Okafor', 'Priya Natarajan', 'Lena Fischer',
  'Daniel Moreau', 'Grace Kim', 'Tom Brennan', 'Fatima Haddad',
] as const;

export interface SimulatedAccount {
  /** KAZOO's account name, as an operator typed it: `Northwind Dental`. */
  name: string;
  /** The account's SIP realm: `northwind-dental.sip.example.com`. */
  realm: string;
  /** The FreeSWITCH host the call is on: `fs1.example.com`. */
  mediaServer: string;
}

function pick<T>(list: readonly T[], seed: string, salt: string): T {
  const n = createHash('sha256').update(`${salt}:${seed}`).digest().readUInt32BE(0);
  return list[n % list.length]!;
}

/**
 * The names a simulated account's calls carry.
 * @example simulatedAccount('4b8c6fec4b2597882c0390202d195419') // { name: 'Summit Realty', realm: 'summit-realty.sip.example.com', … }
 */
export function simulatedAccount(accountId: string): SimulatedAccount {
  const name = pick(COMPANIES, accountId, 'company');
  const slug = name.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return { name, realm: `${slug}.sip.example.com`, mediaServer: pick(['fs1.example.com', 'fs2.example.com', 'fs3.example.com'], accountId, 'switch') };
}

/**
 * A caller's name for one call (the same call id always gets the same name).
 * @example simulatedCaller('abc@host') // 'Grace Kim'
 */
export function simulatedCaller(callId: string): string {
  return pick(CALLERS, callId, 'caller');
}
