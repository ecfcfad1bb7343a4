import type { AppConfig } from './session';

/**
 * Cognito's hosted UI with the OIDC authorization code flow and PKCE (RFC 7636), for the cloud. The
 * verifier and state wait in sessionStorage only for the round trip; the code is exchanged at once and
 * removed from the address bar, so no credential stays in a URL or in history.
 */
const pendingKey = 'kefu.pkce';

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  return { verifier, challenge };
}

export async function startCognitoSignIn(config: NonNullable<AppConfig['cognito']>): Promise<void> {
  const { verifier, challenge } = await pkcePair();
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(pendingKey, JSON.stringify({ verifier, state }));
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
  location.assign(url.toString());
}

/** On the redirect back: exchanges `code` for tokens, or returns undefined when this is not a redirect. */
export async function finishCognitoSignIn(config: NonNullable<AppConfig['cognito']>, here = new URL(location.href)): Promise<string | undefined> {
  const code = here.searchParams.get('code');
  const state = here.searchParams.get('state');
  if (!code) return undefined;
  history.replaceState(null, '', here.pathname + here.hash);
  const pending = JSON.parse(sessionStorage.getItem(pendingKey) ?? '{}') as { verifier?: string; state?: string };
  sessionStorage.removeItem(pendingKey);
  if (!pending.verifier || pending.state !== state) throw new Error('sign-in state mismatch: start again');
  const response = await fetch(new URL('/oauth2/token', config.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code,
      redirect_uri: config.redirectUri,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error(`token exchange failed: ${response.status}`);
  // The ID token carries the audience (the app client) the API's JWT authorizer checks.
  return ((await response.json()) as { id_token: string }).id_token;
}
