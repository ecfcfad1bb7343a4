import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { idSchema, roles, type Role } from '../../shared/auth/identity';
import { createTokenIssuer, localAudience, localIssuerUrl, type DevUser, type TokenIssuer } from './token-issuer';
import { demoTenants, type DemoUser } from './demo-data';

export interface DevToken {
  user: DemoUser;
  token: string;
}

/** Tokens last 12 hours: a working day at the local stack without re-running anything. */
export const devTokenSeconds = 12 * 3600;

/** Where `npm start` keeps its files unless KEFU_DATA_DIR says otherwise. */
export function localDataDir(override = process.env.KEFU_DATA_DIR): string {
  return resolve(override || join(fileURLToPath(new URL('../..', import.meta.url)), '.local-data'));
}
export const issuerKeyFile = (dataDir: string) => join(dataDir, 'issuer-key.json');
/** The demo tokens as JSON; an in-memory stack writes them to a temporary folder named after its port instead. */
export const tokensFile = (dataDir: string | undefined, httpPort: number) => join(dataDir ?? join(tmpdir(), `kefu-local-${httpPort}`), 'tokens.json');

/** Signs a token per demo user of every demo tenant with the local issuer; the only way to get one (there is no accept-anything mode). */
export async function signDevTokens(issuer: TokenIssuer, users: readonly DemoUser[] = demoTenants.flatMap((tenant) => tenant.users)): Promise<DevToken[]> {
  return Promise.all(
    users.map(async (user) => {
      const devUser: DevUser = { userId: user.userId, tenantId: user.tenantId, role: user.role, shopIds: user.shopIds, name: user.name };
      return { user, token: await issuer.sign(devUser, { expiresInSeconds: devTokenSeconds }) };
    }),
  );
}

/** What the tokens file holds: enough for a script to call the stack without scraping the banner. */
export interface TokensFile {
  issuer: string;
  audience: string;
  httpUrl: string;
  wsUrl: string;
  signedAt: string;
  expiresAt: string;
  tokens: { tenantId: string; userId: string; name: string; role: Role; shopIds: string[]; description: string; token: string }[];
}

export function writeTokensFile(path: string, tokens: readonly DevToken[], stack: { issuer: TokenIssuer; httpUrl: string; wsUrl: string }, now = new Date()): void {
  const content: TokensFile = {
    issuer: stack.issuer.issuer,
    audience: stack.issuer.audience,
    httpUrl: stack.httpUrl,
    wsUrl: stack.wsUrl,
    signedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + devTokenSeconds * 1000).toISOString(),
    tokens: tokens.map(({ user, token }) => ({ ...user, shopIds: [...user.shopIds], token })),
  };
  mkdirSync(dirname(path), { recursive: true });
  // Tokens are credentials to this machine's stack: readable by the owner only.
  writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
}

export function removeTokensFile(path: string): void {
  rmSync(path, { force: true });
}

/** Ready-to-paste commands: mint a connect ticket with the token, then open the socket with it. */
export function formatDevTokens(tokens: readonly DevToken[], urls: { httpUrl: string; wsUrl: string; ticketPath: string; tokensFile?: string }): string {
  const lines: string[] = [];
  for (const tenant of demoTenants) {
    const ofTenant = tokens.filter((t) => t.user.tenantId === tenant.tenantId);
    if (ofTenant.length === 0) continue;
    lines.push(`Dev tokens, tenant ${tenant.tenantId} (${tenant.name}), valid 12 h:`, '');
    for (const { user, token } of ofTenant) {
      lines.push(`  ${user.userId} (${user.name}) - ${user.description}`);
      lines.push(`    curl -s -X POST ${urls.httpUrl}${urls.ticketPath} -H 'authorization: Bearer ${token}'`);
      lines.push('');
    }
  }
  if (tokens.length > 0) lines.push(`Then open ${urls.wsUrl}/?ticket=<ticket> within 60 s and send {"action":"ping","ref":"r1"}.`);
  if (urls.tokensFile) lines.push(`The same tokens as JSON: ${urls.tokensFile}`);
  lines.push('Any other user, tenant or role: npm run -s token -- --tenant <t> --user <u> --role <buyer|agent|supervisor|admin> [--shops a,b] [--ttl 1h]');
  return lines.join('\n');
}

/** `npm run token`'s options, checked as the handlers check the claims they read. */
export const mintOptionsSchema = z.object({
  tenant: idSchema,
  user: idSchema,
  role: z.enum(roles),
  shops: z.array(idSchema).max(500),
  ttlSeconds: z.number().int().min(1).max(30 * 24 * 3600),
  name: z.string().min(1).max(100).optional(),
});
export type MintOptions = z.infer<typeof mintOptionsSchema>;

/** `90`, `90s`, `30m`, `1h`, `7d` → seconds; undefined when it is none of those. */
export function parseTtl(raw: string): number | undefined {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(raw.trim());
  if (!match) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export class NoIssuerKeyError extends Error {
  constructor(keyFile: string) {
    super(
      `no local issuer key at ${keyFile}: run \`npm start\` once first (it creates the key, and the stack trusts only tokens signed with it). ` +
        'A stack started with --in-memory keeps its key in memory: use the tokens it printed, or start it without --in-memory.',
    );
    this.name = 'NoIssuerKeyError';
  }
}

/**
 * Signs a token for any user with the key `npm start` keeps in the data folder, so it works against the
 * running stack. The issuer must be the one the stack's JWT authorizer expects, which names its HTTP
 * port: it is read from the stack's tokens file, else built from PORT (3000).
 */
export async function mintLocalToken(
  options: MintOptions,
  where: { dataDir?: string; port?: number } = {},
): Promise<{ token: string; issuer: string; expiresAt: Date }> {
  const dataDir = where.dataDir ?? localDataDir();
  const keyFile = issuerKeyFile(dataDir);
  if (!existsSync(keyFile)) throw new NoIssuerKeyError(keyFile);
  let issuerUrl = localIssuerUrl(`http://127.0.0.1:${where.port ?? 3000}`);
  let audience = localAudience;
  const written = join(dataDir, 'tokens.json');
  if (where.port === undefined && existsSync(written)) {
    const file = JSON.parse(readFileSync(written, 'utf8')) as Partial<TokensFile>;
    if (file.issuer) issuerUrl = file.issuer;
    if (file.audience) audience = file.audience;
  }
  const issuer = await createTokenIssuer({ issuer: issuerUrl, audience, keyFile });
  const token = await issuer.sign(
    { tenantId: options.tenant, userId: options.user, role: options.role, shopIds: options.shops, name: options.name },
    { expiresInSeconds: options.ttlSeconds },
  );
  return { token, issuer: issuerUrl, expiresAt: new Date(Date.now() + options.ttlSeconds * 1000) };
}
