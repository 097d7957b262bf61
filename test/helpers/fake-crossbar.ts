// A stand-in for KAZOO Crossbar on a real HTTP port: token validation (`GET /v2/token_auth`), the
// account tree (`GET /v2/accounts/{id}/tree`) and account documents, answered the way Crossbar does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Account {
  /** Ancestors, most ancestral first (KAZOO's pvt_tree). */
  tree: string[];
  superduper: boolean;
}

/**
 * A fake Crossbar the tests control: add accounts and tokens, revoke tokens, make it fail.
 * @example const cb = await FakeCrossbar.start(); cb.addAccount(id, [parent]); const token = cb.issue(id);
 */
export class FakeCrossbar {
  readonly accounts = new Map<string, Account>();
  readonly tokens = new Map<string, string>();
  /** Requests received: path (without the query) and the X-Auth-Token sent. */
  readonly requests: Array<{ path: string; token: string | undefined }> = [];
  /** When set, every request is answered with this status. */
  failWith?: number;

  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(): Promise<FakeCrossbar> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeCrossbar(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`);
    server.on('request', (req, res) => fake.handle(req, res));
    return fake;
  }

  addAccount(id: string, tree: string[] = [], superduper = false): void {
    this.accounts.set(id, { tree, superduper });
  }

  /** Issues a token for an account. */
  issue(accountId: string, token = `cb-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`): string {
    this.tokens.set(token, accountId);
    return token;
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  /** Requests for `path`, only those carrying `token` when given. */
  count(path: string, token?: string): number {
    return this.requests.filter((r) => r.path === path && (token === undefined || r.token === token)).length;
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const token = req.headers['x-auth-token'];
    this.requests.push({ path, token: typeof token === 'string' ? token : undefined });
    if (this.failWith) return this.send(res, this.failWith, { status: 'error', message: 'datastore_fault' });
    const authAccount = typeof token === 'string' ? this.tokens.get(token) : undefined;
    if (!authAccount) return this.send(res, 401, { status: 'error', error: '401', message: 'invalid_credentials', data: { message: 'invalid credentials' } });
    const auth = this.accounts.get(authAccount)!;
    if (path === '/v2/token_auth') {
      return this.send(res, 200, { status: 'success', data: { account_id: authAccount, owner_id: 'o1', method: 'cb_user_auth', is_reseller: false } });
    }
    const m = /^\/v2\/accounts\/([0-9a-f]{32})(\/tree)?$/.exec(path);
    const target = m ? this.accounts.get(m[1]!) : undefined;
    if (!m || !target) return this.send(res, 404, { status: 'error', error: '404', message: 'bad identifier' });
    // Crossbar lets a token read its own account and its descendants, everything for a superduper admin.
    const visible = m[1] === authAccount || target.tree.includes(authAccount) || auth.superduper;
    if (!visible) return this.send(res, 403, { status: 'error', error: '403', message: 'forbidden' });
    if (m[2]) return this.send(res, 200, { status: 'success', data: target.tree.map((id) => ({ id, name: `account ${id.slice(0, 6)}` })) });
    return this.send(res, 200, { status: 'success', data: { id: m[1], name: 'x', superduper_admin: target.superduper } });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
