// Owns one question asked outside subscribe (app events, HTTP introspection): may this identity see
// this account? The driver answers when it can ask its source (account tree), else the identity does.
import { Authenticator, Identity, authorize } from './authenticator';

type AskingDriver = { authorize?(identity: Identity, accountId: string, token: string): Promise<string | undefined> };

/**
 * KAZOO's refusal text, or undefined when allowed. Throws when the driver's source is unreachable.
 * @example const denied = await accountAccess(authenticator, identity, accountId, token);
 */
export async function accountAccess(authenticator: Authenticator, identity: Identity, accountId: string, token: string): Promise<string | undefined> {
  const local = authorize(identity, accountId);
  if (local === undefined) return undefined;
  const ask = (authenticator as AskingDriver).authorize;
  return ask ? ask.call(authenticator, identity, accountId, token) : local;
}
