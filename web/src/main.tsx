import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { BuyerModel } from './buyer-model';
import { BuyerWidget } from './buyer';
import { finishCognitoSignIn, startCognitoSignIn } from './cognito';
import type { Me, MyShops } from './contracts';
import { currentLanguage, setLanguage, t, type TextKey } from './i18n';
import { ShopBadge } from './parts';
import { clearSession, createApi, loadSession, saveSession, tokenExpiry, type AppConfig, type Session } from './session';
import { Wall } from './wall';
import { Workbench, WorkbenchHeader } from './workbench';
import { WorkbenchModel } from './workbench-model';
import './app.css';

/** A demo user the local stack offers on its sign-in page (no token: that is asked for on choosing). */
interface DemoUser {
  tenantId: string;
  userId: string;
  name: string;
  role: Me['role'];
  shopIds: string[];
  description: string;
}
interface LocalDirectory {
  users: DemoUser[];
  shops: { tenantId: string; shopId: string; name: string }[];
}

function route(): { screen: string; params: URLSearchParams } {
  const [screen = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { screen, params: new URLSearchParams(query) };
}

function useRoute() {
  const [current, setCurrent] = useState(route());
  useEffect(() => {
    const onHash = () => setCurrent(route());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return current;
}

async function exchangeForSession(config: AppConfig, token: string, name?: string): Promise<Session> {
  const me = await createApi(config, { token }, () => undefined).get<Me>('/v1/me');
  return { token, expiresAt: tokenExpiry(token), me, name: name ?? me.userId };
}

function App(props: { config: AppConfig; directory: LocalDirectory | undefined }) {
  const { config, directory } = props;
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const [notice, setNotice] = useState<string | undefined>();
  const [, setLang] = useState(currentLanguage());
  const { screen, params } = useRoute();

  const signOut = (why?: TextKey) => {
    clearSession();
    setSession(undefined);
    setNotice(why ? t(why) : undefined);
    location.hash = '';
  };

  // Signed out the moment the token expires, not at the next failed call.
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(() => signOut('signedOutExpired'), Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session]);

  const api = useMemo(() => (session ? createApi(config, session, () => signOut('signedOutExpired')) : undefined), [session]);

  const [shopNames, setShopNames] = useState<Record<string, string>>({});
  useEffect(() => {
    if (!session || !api) return;
    // Only a buyer takes names from the local stack's demo directory (the cloud has none): staff screens
    // show what the API says, on every stack alike.
    const known = session.me.role === 'buyer' ? (directory?.shops ?? []).filter((s) => s.tenantId === session.me.tenantId) : [];
    setShopNames(Object.fromEntries(known.map((s) => [s.shopId, s.name])));
    // Staff read their shops' names from the API (GET /v1/me/shops); a buyer keeps the stack's directory.
    if (session.me.role !== 'buyer') {
      void api.get<MyShops>('/v1/me/shops').then(
        ({ shops }) => setShopNames((names) => ({ ...names, ...Object.fromEntries(shops.map((shop) => [shop.shopId, shop.name])) })),
        () => undefined,
      );
    }
  }, [session, api]);
  const shopName = (shopId: string) => shopNames[shopId] ?? shopId;

  const onSignedIn = (next: Session) => {
    saveSession(next);
    setSession(next);
    setNotice(undefined);
    location.hash = next.me.role === 'agent' ? '#/agent' : next.me.role === 'buyer' ? '#/buyer' : '#/wall';
  };

  const toggleLanguage = () => {
    setLanguage(currentLanguage() === 'zh-CN' ? 'en' : 'zh-CN');
    setLang(currentLanguage());
  };

  return (
    <div class="app">
      <header class="app-header">
        <h1>{t('appTitle')}</h1>
        {session && (
          <span class="who">
            {session.name} · {t(`role${session.me.role[0]!.toUpperCase()}${session.me.role.slice(1)}` as TextKey)}
          </span>
        )}
        <button type="button" class="lang" onClick={toggleLanguage} lang={currentLanguage() === 'zh-CN' ? 'en' : 'zh-CN'}>
          {t('language')}
        </button>
        {session && (
          <button type="button" onClick={() => signOut()}>
            {t('signOut')}
          </button>
        )}
      </header>
      <main>
        {!session || !api ? (
          <SignIn config={config} directory={directory} notice={notice} onSignedIn={onSignedIn} />
        ) : screen === 'agent' && session.me.role !== 'buyer' ? (
          <AgentScreen api={api} session={session} config={config} shopName={shopName} />
        ) : screen === 'buyer' && session.me.role === 'buyer' ? (
          <BuyerScreen api={api} session={session} config={config} shopId={params.get('shop')} shopName={shopName} directory={directory} nameParam={params.get('name')} />
        ) : screen === 'wall' && (session.me.role === 'supervisor' || session.me.role === 'admin') ? (
          <Wall api={api} session={session} config={config} shopName={shopName} />
        ) : (
          <Home session={session} />
        )}
      </main>
    </div>
  );
}

function AgentScreen(props: { api: ReturnType<typeof createApi>; session: Session; config: AppConfig; shopName: (id: string) => string }) {
  const [workbench] = useState(() => new WorkbenchModel(props.api, props.session, props.config.wsUrl, { pingIntervalMs: props.config.pingIntervalMs }));
  useEffect(() => {
    // The benchmark reads counters from it; nothing secret is on the model.
    (globalThis as { kefuWorkbench?: WorkbenchModel }).kefuWorkbench = workbench;
    workbench.start();
    return () => workbench.stop();
  }, [workbench]);
  return (
    <>
      <WorkbenchHeader model={workbench} />
      <Workbench model={workbench} shopName={props.shopName} />
    </>
  );
}

function BuyerScreen(props: {
  api: ReturnType<typeof createApi>;
  session: Session;
  config: AppConfig;
  shopId: string | null;
  nameParam: string | null;
  shopName: (id: string) => string;
  directory: LocalDirectory | undefined;
}) {
  if (!props.shopId) {
    const shops = (props.directory?.shops ?? []).filter((s) => s.tenantId === props.session.me.tenantId);
    return (
      <nav class="shop-picker" aria-label={t('chooseShop')}>
        <h2>{t('chooseShop')}</h2>
        {shops.map((shop) => (
          <a key={shop.shopId} href={`#/buyer?shop=${encodeURIComponent(shop.shopId)}`}>
            <ShopBadge shopId={shop.shopId} name={shop.name} />
          </a>
        ))}
      </nav>
    );
  }
  return <BuyerChat {...props} shopId={props.shopId} />;
}

function BuyerChat(props: { api: ReturnType<typeof createApi>; session: Session; config: AppConfig; shopId: string; nameParam: string | null; shopName: (id: string) => string }) {
  const [buyer] = useState(() => new BuyerModel(props.api, props.session, props.shopId, props.config.wsUrl));
  useEffect(() => {
    buyer.start();
    return () => buyer.stop();
  }, [buyer]);
  return <BuyerWidget model={buyer} shopName={props.nameParam ?? props.shopName(props.shopId)} />;
}

function Home(props: { session: Session }) {
  const role = props.session.me.role;
  return (
    <nav class="home">
      {role !== 'buyer' && <a href="#/agent">{t('workbench')}</a>}
      {(role === 'supervisor' || role === 'admin') && <a href="#/wall">{t('wall')}</a>}
      {role === 'buyer' && <a href="#/buyer">{t('buyerWidget')}</a>}
    </nav>
  );
}

function SignIn(props: { config: AppConfig; directory: LocalDirectory | undefined; notice: string | undefined; onSignedIn: (session: Session) => void }) {
  const { config, directory } = props;
  const [error, setError] = useState<string | undefined>();
  const chooseDemoUser = async (user: DemoUser) => {
    try {
      const response = await fetch('./dev/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId: user.tenantId, userId: user.userId }),
      });
      if (!response.ok) throw new Error(`${response.status}`);
      const { token } = (await response.json()) as { token: string };
      props.onSignedIn(await exchangeForSession(config, token, user.name));
    } catch (e) {
      setError(String(e));
    }
  };
  const roleKey = (role: string) => `role${role[0]!.toUpperCase()}${role.slice(1)}` as TextKey;
  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">{t('signInTitle')}</h2>
      {props.notice && (
        <p role="alert" class="error">
          {props.notice}
        </p>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {config.signIn === 'cognito' && config.cognito ? (
        <button type="button" onClick={() => void startCognitoSignIn(config.cognito!)}>
          {t('signInCognito')}
        </button>
      ) : (
        <>
          <p>{t('signInLocal')}</p>
          {[...new Set((directory?.users ?? []).map((u) => u.tenantId))].map((tenantId) => (
            <fieldset key={tenantId}>
              <legend>{tenantId}</legend>
              <ul class="demo-users">
                {directory!.users
                  .filter((u) => u.tenantId === tenantId)
                  .map((user) => (
                    <li key={user.userId}>
                      <button type="button" onClick={() => void chooseDemoUser(user)} data-user={`${user.tenantId}/${user.userId}`}>
                        <strong>{user.name}</strong> <span class="role">{t(roleKey(user.role))}</span>
                        <span class="muted"> {user.userId}</span>
                      </button>
                    </li>
                  ))}
              </ul>
            </fieldset>
          ))}
        </>
      )}
    </section>
  );
}

async function boot(): Promise<void> {
  document.documentElement.lang = currentLanguage();
  const config = (await (await fetch('./config.json')).json()) as AppConfig;
  if (config.signIn === 'cognito' && config.cognito) {
    const token = await finishCognitoSignIn(config.cognito).catch(() => undefined);
    // The hosted UI's user: named by their user id (the ID token's name claim is not read here).
    if (token) saveSession(await exchangeForSession(config, token));
  }
  const directory = config.signIn === 'local' ? ((await (await fetch('./dev/users')).json()) as LocalDirectory) : undefined;
  render(<App config={config} directory={directory} />, document.getElementById('root')!);
}

void boot();
