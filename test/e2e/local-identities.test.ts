import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import type { TokensFile } from '../../infra/local/dev-tokens';
import { tokenCommand } from '../../scripts/token';
import { ChatClient } from '../support/ws-client';

/**
 * Local identities as a developer uses them by hand: the tokens file `npm start` writes, tokens minted
 * with `npm run token` against the running stack (the same key in the same data folder), and the two demo
 * tenants, whose data must not cross. The stack keeps its files in a temporary data folder, as
 * `npm start` does in .local-data/.
 */
let stack: LocalStack;
let dataDir: string;
let tokens: TokensFile;
const clients: ChatClient[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kefu-identities-'));
  stack = await startLocalStack({ dataDir, ports: { http: 0, ws: 0 }, quiet: true });
  tokens = JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')) as TokensFile;
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const tokenOf = (tenantId: string, userId: string) => {
  const entry = tokens.tokens.find((t) => t.tenantId === tenantId && t.userId === userId);
  if (!entry) throw new Error(`no demo token for ${tenantId}/${userId}`);
  return entry.token;
};

async function me(token: string, scheme = 'Bearer') {
  const response = await fetch(`${stack.httpUrl}/v1/me`, { headers: { authorization: `${scheme} ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function mint(...args: string[]) {
  const result = await tokenCommand(args, { KEFU_DATA_DIR: dataDir });
  expect(result, result.err).toMatchObject({ code: 0 });
  return result.out.trim();
}

describe('the tokens file npm start writes', () => {
  it('is <data>/tokens.json, readable by its owner only, naming the issuer, the URLs and every demo user of both tenants', () => {
    expect(stack.tokensFile).toBe(join(dataDir, 'tokens.json'));
    expect(statSync(stack.tokensFile!).mode & 0o077).toBe(0);
    expect(tokens).toMatchObject({ issuer: stack.issuer.issuer, audience: 'kefu', httpUrl: stack.httpUrl, wsUrl: stack.wsUrl });
    const tenants = new Set(tokens.tokens.map((t) => t.tenantId));
    expect([...tenants].sort()).toEqual(['demo-firm', 'demo-firm-b']);
    for (const tenant of tenants) {
      const roles = tokens.tokens.filter((t) => t.tenantId === tenant).map((t) => t.role);
      expect(roles).toEqual(expect.arrayContaining(['admin', 'agent', 'buyer']));
    }
  });

  it('holds tokens the running stack accepts, each for the user it names, with the scheme in lower case too', async () => {
    for (const entry of tokens.tokens) {
      const answer = await me(entry.token, 'bearer');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ tenantId: entry.tenantId, userId: entry.userId, role: entry.role, shopIds: entry.shopIds });
    }
  });
});

describe('npm run token against the running stack', () => {
  it('mints a token for any tenant, user, role and shops, signed with the stack\'s key, which the stack accepts', async () => {
    const token = await mint('--tenant', 'demo-firm-b', '--user', 'new-agent', '--role', 'agent', '--shops', 'cloud-mist-tea', '--ttl', '10m');
    const answer = await me(token);
    expect(answer).toEqual({ status: 200, body: { tenantId: 'demo-firm-b', userId: 'new-agent', role: 'agent', shopIds: ['cloud-mist-tea'] } });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(600);
  });

  it('says clearly that there is no key yet when the data folder holds none (npm start never ran there)', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'kefu-identities-other-'));
    try {
      const missing = await tokenCommand(['--tenant', 'demo-firm', '--user', 'u', '--role', 'admin'], { KEFU_DATA_DIR: otherDir });
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/no local issuer key at .*issuer-key\.json: run `npm start` once first/);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});

describe('two demo tenants, tried by hand', () => {
  it('a token of tenant B cannot read tenant A\'s conversation, whatever its role or user id (row 16)', async () => {
    const buyer = await ChatClient.connect(stack.httpUrl, stack.wsUrl, tokenOf('demo-firm', 'buyer-taotao'));
    clients.push(buyer);
    const ack = await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', clientMessageId: 'iso-1', text: '只有本租户能看到这句话' });
    expect(ack).toMatchObject({ type: 'ack', seq: 1 });
    const path = `${stack.httpUrl}/v1/conversations/${String(ack.conversationId)}/messages`;
    const read = (token: string) => fetch(path, { headers: { authorization: `Bearer ${token}` } });

    const own = await read(tokenOf('demo-firm', 'buyer-taotao'));
    expect(own.status).toBe(200);
    expect(JSON.stringify(await own.json())).toContain('只有本租户能看到这句话');
    expect((await read(tokenOf('demo-firm', 'admin-chen'))).status).toBe(200);

    // Tenant B's admin and buyer, and a tenant-B token carrying tenant A's buyer's own user id.
    const sameUserOtherTenant = await mint('--tenant', 'demo-firm-b', '--user', 'buyer-taotao', '--role', 'buyer');
    for (const token of [tokenOf('demo-firm-b', 'admin-zhao'), tokenOf('demo-firm-b', 'buyer-zhou'), sameUserOtherTenant]) {
      const response = await read(token);
      expect(response.status).toBe(404);
      expect(JSON.stringify(await response.json())).not.toContain('只有本租户');
    }
  });

  it('seeds tenant B\'s shop and agents apart from tenant A\'s', async () => {
    const shop = (tenant: string, user: string, shopId: string) =>
      fetch(`${stack.httpUrl}/v1/shops/${shopId}`, { headers: { authorization: `Bearer ${tokenOf(tenant, user)}` } }).then((r) => r.status);
    expect(await shop('demo-firm-b', 'admin-zhao', 'cloud-mist-tea')).toBe(200);
    expect(await shop('demo-firm-b', 'admin-zhao', 'peach-glow')).toBe(404);
    expect(await shop('demo-firm', 'admin-chen', 'cloud-mist-tea')).toBe(404);
  });
});
