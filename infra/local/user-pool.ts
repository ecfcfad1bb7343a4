import { localDirectoryOps, type LocalDirectoryOp } from '../../shared/people/local-user-directory';
import { directoryUsername, type DirectoryAccount, type DirectoryOutcome, type UserDirectory } from '../../shared/people/user-directory';
import type { StaffRole } from '../../shared/people/user';
import type { TokenIssuer } from './token-issuer';

export interface PoolUser {
  account: DirectoryAccount;
  enabled: boolean;
  groups: StaffRole[];
  /** Global sign-outs so far: each one ends every session the user had. */
  signOuts: number;
}

/**
 * The local stack's stand-in for the region's Cognito pool, played by the dev issuer: the same
 * directory operations (shared/people/user-directory.ts) on users kept in memory under Cognito's
 * case-insensitive usernames, and a sign-in that refuses disabled or unknown users and signs a token
 * with the pool's own attributes as claims, as the pre-token-generation trigger does in the cloud.
 * `issuer.sign` still mints any token a test asks for (a user never invited included).
 */
export class LocalUserPool implements UserDirectory {
  private readonly users = new Map<string, PoolUser>();

  constructor(private readonly issuer?: TokenIssuer) {}

  get(tenantId: string, userId: string): PoolUser | undefined {
    const found = this.users.get(key(tenantId, userId));
    return found ? structuredClone(found) : undefined;
  }

  async signIn(tenantId: string, userId: string): Promise<string> {
    const found = this.users.get(key(tenantId, userId));
    if (!found) throw new Error('UserNotFoundException: no such user in the local pool');
    if (!found.enabled) throw new Error('NotAuthorizedException: User is disabled.');
    if (!this.issuer) throw new Error('this pool has no issuer');
    const { account } = found;
    return this.issuer.sign({ tenantId: account.tenantId, userId: account.userId, role: account.role, shopIds: [...account.shopIds], name: account.name });
  }

  async createUser(account: DirectoryAccount, options: { disabled: boolean }): Promise<'created' | 'exists' | 'taken'> {
    const existing = this.users.get(key(account.tenantId, account.userId));
    if (existing) return existing.account.tenantId === account.tenantId && existing.account.userId === account.userId ? 'exists' : 'taken';
    this.users.set(key(account.tenantId, account.userId), { account: { ...account, shopIds: [...account.shopIds] }, enabled: !options.disabled, groups: [], signOuts: 0 });
    return 'created';
  }

  async updateAttributes(account: DirectoryAccount): Promise<DirectoryOutcome> {
    return this.change(account.tenantId, account.userId, (user) => {
      // tenant and user id are immutable, as custom:tenant_id and custom:user_id are in the pool.
      user.account = { ...account, tenantId: user.account.tenantId, userId: user.account.userId, shopIds: [...account.shopIds] };
    });
  }

  async addToGroup(tenantId: string, userId: string, role: StaffRole): Promise<DirectoryOutcome> {
    return this.change(tenantId, userId, (user) => {
      if (!user.groups.includes(role)) user.groups.push(role);
    });
  }

  async removeFromGroup(tenantId: string, userId: string, role: StaffRole): Promise<DirectoryOutcome> {
    return this.change(tenantId, userId, (user) => {
      user.groups = user.groups.filter((group) => group !== role);
    });
  }

  async disableUser(tenantId: string, userId: string): Promise<DirectoryOutcome> {
    return this.change(tenantId, userId, (user) => {
      user.enabled = false;
    });
  }

  async enableUser(tenantId: string, userId: string): Promise<DirectoryOutcome> {
    return this.change(tenantId, userId, (user) => {
      user.enabled = true;
    });
  }

  async signOut(tenantId: string, userId: string): Promise<DirectoryOutcome> {
    return this.change(tenantId, userId, (user) => {
      user.signOuts += 1;
    });
  }

  async deleteUser(tenantId: string, userId: string): Promise<DirectoryOutcome | 'taken'> {
    const user = this.users.get(key(tenantId, userId));
    if (!user) return 'missing';
    if (user.account.tenantId !== tenantId || user.account.userId !== userId) return 'taken';
    this.users.delete(key(tenantId, userId));
    return 'done';
  }

  /** Answers a POST of `{op, args}` from shared/people/local-user-directory.ts: 200 `{result}` or 400. */
  async handleRequest(body: string): Promise<{ status: number; body: unknown }> {
    let request: { op?: unknown; args?: unknown };
    try {
      request = JSON.parse(body);
    } catch {
      return { status: 400, body: { message: 'not JSON' } };
    }
    const op = request.op as LocalDirectoryOp;
    if (!localDirectoryOps.includes(op) || !Array.isArray(request.args)) return { status: 400, body: { message: 'op must be a directory operation and args an array' } };
    const result = await (this[op] as (...args: unknown[]) => Promise<unknown>)(...request.args);
    return { status: 200, body: { result } };
  }

  private change(tenantId: string, userId: string, edit: (user: PoolUser) => void): DirectoryOutcome {
    const user = this.users.get(key(tenantId, userId));
    if (!user || user.account.tenantId !== tenantId || user.account.userId !== userId) return 'missing';
    edit(user);
    return 'done';
  }
}

/** Cognito's usernames are case-insensitive (signInCaseSensitive: false), and so are these. */
const key = (tenantId: string, userId: string) => directoryUsername(tenantId, userId).toLowerCase();
