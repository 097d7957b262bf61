// Owns the account ↔ SIP realm table that realm-keyed families (presence, registration) scope by.
// Knows nothing about sockets or AMQP; it is filled from a JSON file or by the composition root.
import fs from 'node:fs';
import Joi from 'joi';

const ACCOUNT = /^[0-9a-f]{32}$/;
const fileSchema = Joi.object({
  realms: Joi.object().pattern(Joi.string().pattern(ACCOUNT), Joi.string().min(1).max(253)).required(),
}).unknown(true);

/**
 * Which SIP realm each account owns, both ways. Realms compare case-insensitively, as SIP does.
 * @example
 * const realms = new RealmDirectory();
 * realms.set("4b8c…419", "acme.sip.example.com");
 * realms.accountOf("ACME.sip.example.com"); // "4b8c…419"
 */
export class RealmDirectory {
  private readonly realmByAccount = new Map<string, string>();
  private readonly accountByRealm = new Map<string, string>();

  /** Records that an account owns a realm (replacing the account's previous realm). */
  set(accountId: string, realm: string): void {
    const previous = this.realmByAccount.get(accountId);
    if (previous !== undefined) this.accountByRealm.delete(previous.toLowerCase());
    this.realmByAccount.set(accountId, realm);
    this.accountByRealm.set(realm.toLowerCase(), accountId);
  }

  realmOf(accountId: string): string | undefined {
    return this.realmByAccount.get(accountId);
  }

  accountOf(realm: string): string | undefined {
    return this.accountByRealm.get(realm.toLowerCase());
  }

  /**
   * Adds every entry of a realms file `{"realms": {"<account_id>": "<realm>"}}`; throws naming the problem.
   * @example realmDirectory.loadFile("config/realms.json")
   */
  loadFile(path: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`realms file ${path}: ${(err as Error).message}`);
    }
    const { value, error } = fileSchema.validate(raw);
    if (error) throw new Error(`realms file ${path}: ${error.message}`);
    for (const [account, realm] of Object.entries(value.realms as Record<string, string>)) this.set(account, realm);
  }
}

/** The directory the default presence and registration families read. */
export const realmDirectory = new RealmDirectory();

/** The text a realm-keyed family answers when an account's realm is not known. */
export function unknownRealm(family: string, accountId: string): string {
  return `${family} bindings need the account's SIP realm, and none is known for account ${accountId} (see EH_REALMS_FILE)`;
}
