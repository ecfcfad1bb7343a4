import type { AppConfig } from './session';

/**
 * Cognito's hosted UI with the OIDC authorization code flow and PKCE (RFC 7636), for the cloud. The
 * verifier and state wait in sessionStorage only for the round trip; the code is exchanged at once and
 * removed from the address bar, so no credential stays in a URL or in history.
 */
const pendingKey = 'kefu.pkce';

export type CognitoConfig = NonNullable<AppConfig['cognito']>;

/** What the flow touches of the browser; tests pass their own (no DOM in a unit test). */
export interface BrowserSide {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  /** Replaces the address bar's URL without a navigation (history.replaceState). */
  replaceUrl(url: string): void;
  navigate(url: string): void;
  fetch: typeof fetch;
  random(bytes: number): Uint8Array;
}

const randomBytes = (bytes: number): Uint8Array => crypto.getRandomValues(new Uint8Array(bytes));

const browser = (): BrowserSide => ({
  storage: sessionStorage,
  replaceUrl: (url) => history.replaceState(null, '', url),
  navigate: (url) => location.assign(url),
  fetch: (...args) => fetch(...args),
  random: randomBytes,
});

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** S256: BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2). */
export async function codeChallenge(verifier: string): Promise<string> {
  return base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** 32 random bytes, base64url: a 43-character verifier, the RFC's recommended entropy (§7.1). */
export async function pkcePair(random = randomBytes): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64Url(random(32));
  return { verifier, challenge: await codeChallenge(verifier) };
}

/** Sends the browser to the hosted UI, the verifier and state kept for the way back. */
export async function startCognitoSignIn(config: CognitoConfig, side: BrowserSide = browser()): Promise<void> {
  const { verifier, challenge } = await pkcePair(side.random);
  const state = base64Url(side.random(16));
  side.storage.setItem(pendingKey, JSON.stringify({ verifier, state }));
  const url = new URL('/oauth2/authorize', config.domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: (config.scopes ?? ['openid', 'profile']).join(' '),
    code_challenge_method: 'S256',
    code_challenge: challenge,
    state,
  }).toString();
  side.navigate(url.toString());
}

/**
 * On the redirect back: exchanges `code` for tokens, or returns undefined when this is not a redirect.
 * The code and state leave the address bar before anything else, and the pending verifier is used once.
 */
export async function finishCognitoSignIn(config: CognitoConfig, here = new URL(location.href), side: BrowserSide = browser()): Promise<string | undefined> {
  const code = here.searchParams.get('code');
  const state = here.searchParams.get('state');
  const failure = here.searchParams.get('error');
  if (!code && !failure) return undefined;
  side.replaceUrl(here.pathname + here.hash);
  const pending = JSON.parse(side.storage.getItem(pendingKey) ?? '{}') as { verifier?: string; state?: string };
  side.storage.removeItem(pendingKey);
  if (failure) throw new Error(`sign-in refused: ${failure}`);
  if (!pending.verifier || pending.state !== state) throw new Error('sign-in state mismatch: start again');
  const response = await side.fetch(new URL('/oauth2/token', config.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: code!,
      redirect_uri: config.redirectUri,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error(`token exchange failed: ${response.status}`);
  // The access token: the pool's pre-token-generation trigger puts kefu's claims (tenant_id, role,
  // shop_ids) there, and the API's JWT authorizer checks its client_id (infra/identity-stack.ts).
  const { access_token: accessToken } = (await response.json()) as { access_token?: string };
  if (!accessToken) throw new Error('token exchange returned no access_token');
  return accessToken;
}
