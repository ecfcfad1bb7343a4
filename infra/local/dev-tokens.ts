import type { DevUser, TokenIssuer } from './token-issuer';
import { demoTenant, demoUsers, type DemoUser } from './demo-data';

export interface DevToken {
  user: DemoUser;
  token: string;
}

/** Tokens last 12 hours: a working day at the local stack without re-running anything. */
const devTokenSeconds = 12 * 3600;

/** Signs a token per demo user with the local issuer; the only way to get one (there is no accept-anything mode). */
export async function signDevTokens(issuer: TokenIssuer, users: readonly DemoUser[] = demoUsers): Promise<DevToken[]> {
  return Promise.all(
    users.map(async (user) => {
      const devUser: DevUser = { userId: user.userId, tenantId: demoTenant.tenantId, role: user.role, shopIds: user.shopIds, name: user.name };
      return { user, token: await issuer.sign(devUser, { expiresInSeconds: devTokenSeconds }) };
    }),
  );
}

/** Ready-to-paste commands: mint a connect ticket with the token, then open the socket with it. */
export function formatDevTokens(tokens: readonly DevToken[], urls: { httpUrl: string; wsUrl: string; ticketPath: string }): string {
  const lines = [`Dev tokens (tenant ${demoTenant.tenantId}, valid 12 h):`, ''];
  for (const { user, token } of tokens) {
    lines.push(`  ${user.userId} (${user.name}) - ${user.description}`);
    lines.push(`    curl -s -X POST ${urls.httpUrl}${urls.ticketPath} -H 'authorization: Bearer ${token}'`);
    lines.push('');
  }
  lines.push(`Then open ${urls.wsUrl}/?ticket=<ticket> within 60 s and send {"action":"ping","ref":"r1"}.`);
  return lines.join('\n');
}
