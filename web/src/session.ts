import type { Me } from './contracts';

/**
 * Who is signed in. The token lives in memory and in sessionStorage (so a reload keeps the tab signed
 * in), never in localStorage or a URL, and is dropped when it expires: the tab is signed out then.
 */
export interface Session {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  me: Me;
  name: string;
}

/** Served by the stack next to the app: where the APIs are and how people sign in. */
export interface AppConfig {
  /** `local`: pick a demo user (dev tokens of the local issuer). `cognito`: hosted UI, code + PKCE. */
  signIn: 'local' | 'cognito';
  /** HTTP API base; '' for the page's own origin. */
  httpUrl: string;
  wsUrl: string;
  cognito?: { domain: string; clientId: string; redirectUri: string; scopes?: string[] };
  /** How often an idle socket pings (API Gateway cuts idle sockets at 10 min); default 9 min. */
  pingIntervalMs?: number;
}

const storageKey = 'kefu.session';

export function loadSession(now = Date.now()): Session | undefined {
  try {
    const raw = sessionStorage.getItem(storageKey);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    if (!(session.expiresAt > now + 5_000)) {
      sessionStorage.removeItem(storageKey);
      return undefined;
    }
    return session;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(storageKey, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(storageKey);
}

/** The `exp` claim of a JWT, in epoch ms (the signature is the API's to check, not the client's). */
export function tokenExpiry(token: string): number {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
  const exp = (JSON.parse(json) as { exp?: number }).exp;
  return typeof exp === 'number' ? exp * 1000 : 0;
}

/** Thrown when the API refuses the token (expired, revoked): the app signs the user out. */
export class SignedOutError extends Error {
  constructor() {
    super('signed out');
    this.name = 'SignedOutError';
  }
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The HTTP API with the session's bearer token. A 401 means the session is over. */
export function createApi(config: AppConfig, session: Pick<Session, 'token'>, onSignedOut: () => void) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${config.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${session.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      onSignedOut();
      throw new SignedOutError();
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new HttpError(response.status, error?.code ?? String(response.status), error?.message ?? response.statusText);
    }
    return parsed as T;
  }
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body?: unknown) => call<T>('POST', path, body),
    ticket: async () => (await call<{ ticket: string }>('POST', '/v1/connect-tickets')).ticket,
  };
}
export type Api = ReturnType<typeof createApi>;
