// Owns the static tokens file driver: `{"tokens": {"<token>": {"account_id", "descendants", "superduper_admin"}}}`,
// validated by joi and re-read when the file changes on disk.
import fs from 'node:fs';
import Joi from 'joi';
import { AuthResult, Authenticator, Identity } from './authenticator';
import { ErrorText } from '../protocol/error-texts';

const ACCOUNT = Joi.string().pattern(/^[0-9a-f]{32}$/).messages({ 'string.pattern.base': '{{#label}} must be 32 lowercase hex characters' });
const fileSchema = Joi.object({
  tokens: Joi.object()
    .pattern(
      Joi.string().min(1),
      Joi.object({
        account_id: ACCOUNT.required(),
        descendants: Joi.array().items(ACCOUNT).default([]),
        superduper_admin: Joi.boolean().default(false),
      }),
    )
    .required(),
}).unknown(true);

/** Reads and validates a tokens file; throws an Error naming the file and the problem. */
export function readTokensFile(path: string): Map<string, Identity> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`tokens file ${path}: ${(err as Error).message}`);
  }
  const { value, error } = fileSchema.validate(raw);
  if (error) throw new Error(`tokens file ${path}: ${error.message}`);
  const tokens = new Map<string, Identity>();
  for (const [token, entry] of Object.entries(value.tokens as Record<string, { account_id: string; descendants: string[]; superduper_admin: boolean }>)) {
    tokens.set(token, { accountId: entry.account_id, descendants: new Set(entry.descendants), superduper: entry.superduper_admin });
  }
  return tokens;
}

/**
 * Authenticates against a tokens file; a change on disk is picked up within a second, and a broken
 * edit keeps the last good tokens (reported through `onReloadError`).
 * @example new StaticTokenAuthenticator("config/demo-tokens.json")
 */
export class StaticTokenAuthenticator implements Authenticator {
  private tokens: Map<string, Identity>;
  private readonly listener: () => void;

  /** Re-reads the file now (also done on change and on SIGHUP); throws when the file is invalid. */
  reload(): void {
    this.tokens = readTokensFile(this.path);
  }

  constructor(private readonly path: string, onReloadError: (err: Error) => void = () => undefined, onReload: () => void = () => undefined) {
    this.tokens = readTokensFile(path);
    this.listener = () => {
      try {
        // Not this.reload(): the composition root may wrap it, and `onReload` already says what changed.
        this.tokens = readTokensFile(this.path);
        onReload();
      } catch (err) {
        onReloadError(err as Error);
      }
    };
    fs.watchFile(path, { interval: 500 }, this.listener);
  }

  async authenticate(token: string): Promise<AuthResult> {
    const identity = this.tokens.get(token);
    return identity ? { ok: true, identity } : { ok: false, error: ErrorText.tokenRejected(token) };
  }

  close(): void {
    fs.unwatchFile(this.path, this.listener);
  }
}
