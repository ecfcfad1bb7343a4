import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { codeChallenge, finishCognitoSignIn, pkcePair, startCognitoSignIn, type BrowserSide } from '../../../web/src/cognito';
import { clearSession, loadSession, saveSession, tokenExpiry, type Session } from '../../../web/src/session';

/**
 * The cloud sign-in's parts that need no Cognito: PKCE (RFC 7636), the hosted-UI redirect there and back,
 * and where the token lives afterwards (sessionStorage, dropped at expiry; never localStorage or a URL).
 */
const config = { domain: 'https://kefu-ap-southeast-1-dev.auth.ap-southeast-1.amazoncognito.com', clientId: 'web-client-1', redirectUri: 'https://d111.cloudfront.net/app/' };

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
  removeItem = (key: string) => void this.items.delete(key);
}

function browserSide(tokenResponse: () => Response = () => Response.json({ id_token: 'id.token.sig', access_token: 'access.token.sig', refresh_token: 'r' })) {
  const storage = new MemoryStorage();
  const side = {
    storage,
    urls: [] as string[],
    navigated: [] as string[],
    requests: [] as { url: string; body: URLSearchParams }[],
    replaceUrl(url: string) {
      side.urls.push(url);
    },
    navigate(url: string) {
      side.navigated.push(url);
    },
    fetch: (async (url: URL, init: RequestInit) => {
      side.requests.push({ url: String(url), body: new URLSearchParams(init.body as URLSearchParams) });
      return tokenResponse();
    }) as unknown as typeof fetch,
    random: (n: number) => new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff),
  } satisfies BrowserSide & Record<string, unknown>;
  return side;
}

describe('PKCE for the Cognito hosted UI (RFC 7636)', () => {
  // RFC 7636 Appendix B: these 32 octets give the verifier, and its S256 challenge is the one below.
  const rfcOctets = [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121];

  it('reproduces the RFC 7636 Appendix B test vector: octets to verifier, verifier to S256 challenge', async () => {
    await expect(pkcePair(() => Uint8Array.from(rfcOctets))).resolves.toEqual({
      verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    });
  });

  it('makes a 43-character base64url verifier from 32 random bytes, and its challenge', async () => {
    const { verifier, challenge } = await pkcePair((n) => new Uint8Array(n).fill(0xfb));
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenge).toBe(await codeChallenge(verifier));
    const real = await pkcePair();
    expect(real.verifier).not.toBe((await pkcePair()).verifier);
  });
});

describe('the hosted-UI round trip', () => {
  it('sends the browser to /oauth2/authorize with the challenge, and keeps only verifier and state for the way back', async () => {
    const side = browserSide();
    await startCognitoSignIn(config, side);
    const authorize = new URL(side.navigated[0]!);
    expect(authorize.origin + authorize.pathname).toBe(`${config.domain}/oauth2/authorize`);
    const pending = JSON.parse(side.storage.getItem('kefu.pkce')!) as { verifier: string; state: string };
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'web-client-1',
      redirect_uri: config.redirectUri,
      scope: 'openid profile',
      code_challenge_method: 'S256',
      code_challenge: await codeChallenge(pending.verifier),
      state: pending.state,
    });
    expect(authorize.search).not.toContain(pending.verifier);
  });

  it('on the redirect back, clears the code from the address bar, exchanges it with the verifier once, and returns the access token (where the pool puts kefu\'s claims)', async () => {
    const side = browserSide();
    await startCognitoSignIn(config, side);
    const { verifier, state } = JSON.parse(side.storage.getItem('kefu.pkce')!) as { verifier: string; state: string };
    const token = await finishCognitoSignIn(config, new URL(`https://d111.cloudfront.net/app/?code=abc123&state=${state}#/agent`), side);
    expect(token).toBe('access.token.sig');
    expect(side.urls).toEqual(['/app/#/agent']);
    expect(side.storage.items.size).toBe(0);
    expect(side.requests).toHaveLength(1);
    expect(side.requests[0]!.url).toBe(`${config.domain}/oauth2/token`);
    expect(Object.fromEntries(side.requests[0]!.body)).toEqual({
      grant_type: 'authorization_code',
      client_id: 'web-client-1',
      code: 'abc123',
      redirect_uri: config.redirectUri,
      code_verifier: verifier,
    });
    // The same redirect replayed (back button): the verifier is gone, nothing is exchanged.
    await expect(finishCognitoSignIn(config, new URL(`https://d111.cloudfront.net/?code=abc123&state=${state}`), side)).rejects.toThrow(/state mismatch/);
    expect(side.requests).toHaveLength(1);
  });

  it('refuses a redirect whose state is not the one it sent, without calling the token endpoint', async () => {
    const side = browserSide();
    await startCognitoSignIn(config, side);
    await expect(finishCognitoSignIn(config, new URL('https://d111.cloudfront.net/?code=abc&state=forged'), side)).rejects.toThrow(/state mismatch/);
    expect(side.requests).toHaveLength(0);
    expect(side.urls).toEqual(['/']);
  });

  it('reports a refusal from the hosted UI (error=access_denied) and a failed exchange, and ignores a page that is no redirect', async () => {
    const refused = browserSide();
    await expect(finishCognitoSignIn(config, new URL('https://d111.cloudfront.net/?error=access_denied'), refused)).rejects.toThrow(/access_denied/);
    const failing = browserSide(() => new Response('{"error":"invalid_grant"}', { status: 400 }));
    await startCognitoSignIn(config, failing);
    const { state } = JSON.parse(failing.storage.getItem('kefu.pkce')!) as { state: string };
    await expect(finishCognitoSignIn(config, new URL(`https://d111.cloudfront.net/?code=c&state=${state}`), failing)).rejects.toThrow(/400/);
    await expect(finishCognitoSignIn(config, new URL('https://d111.cloudfront.net/#/agent'), browserSide())).resolves.toBeUndefined();
  });
});

describe('where the token lives after sign-in', () => {
  let storage: MemoryStorage;
  beforeEach(() => {
    storage = new MemoryStorage();
    vi.stubGlobal('sessionStorage', storage);
  });
  afterEach(() => vi.unstubAllGlobals());

  const jwtExpiringAt = (seconds: number) => `h.${Buffer.from(JSON.stringify({ exp: seconds })).toString('base64url')}.s`;
  const sessionOf = (token: string): Session => ({
    token,
    expiresAt: tokenExpiry(token),
    name: '小美',
    me: { tenantId: 'demo-firm', userId: 'xiaomei', role: 'agent', shopIds: ['peach-glow'] },
  });

  it('keeps the session in sessionStorage until the token expires, then drops it', () => {
    const now = 1_800_000_000_000;
    const session = sessionOf(jwtExpiringAt(now / 1000 + 3600));
    expect(session.expiresAt).toBe(now + 3_600_000);
    saveSession(session);
    expect(loadSession(now)).toEqual(session);
    expect(loadSession(now + 3_600_000)).toBeUndefined();
    expect(storage.items.size).toBe(0);
  });

  it('forgets the session on sign-out and reads a corrupt entry as signed out', () => {
    saveSession(sessionOf(jwtExpiringAt(Date.now() / 1000 + 3600)));
    clearSession();
    expect(loadSession()).toBeUndefined();
    storage.setItem('kefu.session', '{not json');
    expect(loadSession()).toBeUndefined();
  });
});
