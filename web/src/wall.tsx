import { useEffect, useState } from 'preact/hooks';
import { Connection, type ConnectionState, type ServerFrame } from './connection';
import type { KpiReport, KpisWatchAckFrame, KpiUpdatedFrame, MessageFrame, MessagesPage, OwnershipAckFrame, ShopBoard, WatchAckFrame } from './contracts';
import { stageLabel, t, type TextKey } from './i18n';
import { applyKpiFrame, formatKpi, kpiPath, renewDelayMs, todayFromReport, wallKpiNames, type ShopDayKpis } from './kpi-model';
import { ConversationLog } from './conversation-log';
import { ConnectionBadge, MessageBubble, ShopBadge, formatWait } from './parts';
import type { Api, AppConfig, Session } from './session';

/**
 * The supervisor's wall: per shop and group the waiting line (count, longest wait) and the agents with
 * presence and load / capacity, refreshed every few seconds; watch a conversation live, reassign it.
 */
export function Wall(props: { api: Api; session: Session; config: AppConfig; shopName: (shopId: string) => string }) {
  const { api, session } = props;
  const [boards, setBoards] = useState<ShopBoard[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [state, setState] = useState<ConnectionState>('connecting');
  // Watched conversations: each a log keyed by seq, so the history read on watch and the live frames that
  // raced it are kept once each, in order. Frames for a conversation are kept from the click on, before the ack.
  const [watched] = useState(() => new Map<string, ConversationLog>());
  const [, setWatchedVersion] = useState(0);
  const watchedChanged = () => setWatchedVersion((v) => v + 1);
  const [kpis, setKpis] = useState<Record<string, ShopDayKpis>>({});
  const [renewals] = useState(() => new Map<string, ReturnType<typeof setTimeout>>());
  const [connection] = useState(() => {
    // Read each shop's today by GET (on open and after every reconnect: frames missed while away are not replayed).
    const loadKpis = (shopId: string) =>
      api
        .get<KpiReport>(kpiPath(shopId))
        .then((report) => setKpis((all) => ({ ...all, [shopId]: todayFromReport(report) })))
        .catch(() => undefined);
    // Subscribe to a shop's kpi.updated, and renew before `watchingUntil`. Never fails the catch-up.
    const watchKpis = (connection: Connection, shopId: string): Promise<void> =>
      connection
        .request<KpisWatchAckFrame>({ action: 'kpis.watch', shopId })
        .then((ack) => {
          clearTimeout(renewals.get(shopId));
          renewals.set(shopId, setTimeout(() => void watchKpis(connection, shopId), renewDelayMs(ack.watchingUntil)));
        })
        .catch(() => undefined);
    return new Connection({
      ticket: api.ticket,
      wsUrl: props.config.wsUrl,
      onOpen: async (connection) => {
        await Promise.all(session.me.shopIds.map((shopId) => watchKpis(connection, shopId).then(() => loadKpis(shopId))));
      },
      onFrame: (frame: ServerFrame) => {
        if (frame.type === 'kpi.updated') {
          const update = frame as unknown as KpiUpdatedFrame;
          setKpis((all) => ({ ...all, [update.shopId]: applyKpiFrame(all[update.shopId], update) }));
          return;
        }
        if (frame.type !== 'message') return;
        const { conversationId, message } = frame as unknown as MessageFrame;
        if (watched.get(conversationId)?.add([message])) watchedChanged();
      },
      onState: setState,
    });
  });
  useEffect(() => {
    connection.start();
    return () => {
      connection.stop();
      for (const timer of renewals.values()) clearTimeout(timer);
      renewals.clear();
    };
  }, [connection, renewals]);

  useEffect(() => {
    let stopped = false;
    const refresh = async () => {
      try {
        const next = await Promise.all(session.me.shopIds.map((shopId) => api.get<ShopBoard>(`/v1/shops/${encodeURIComponent(shopId)}/board`)));
        if (!stopped) {
          setBoards(next);
          setError(undefined);
        }
      } catch (e) {
        if (!stopped) setError(String(e));
      }
    };
    void refresh();
    const timer = setInterval(refresh, 5000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api, session]);

  const [conversationId, setConversationId] = useState('');
  const [target, setTarget] = useState('');
  const [result, setResult] = useState<string | undefined>();

  return (
    <div class="wall">
      <div class="wall-tools">
        <ConnectionBadge state={state} />
        <form
          aria-label={`${t('watch')} / ${t('reassign')}`}
          onSubmit={(event) => {
            event.preventDefault();
          }}
        >
          <label>
            ID
            <input value={conversationId} onInput={(e) => setConversationId((e.currentTarget as HTMLInputElement).value.trim())} name="conversationId" />
          </label>
          <button
            type="button"
            onClick={() => {
              const id = conversationId;
              if (!watched.has(id)) watched.set(id, new ConversationLog());
              connection
                .request<WatchAckFrame>({ action: 'watch', conversationId: id })
                .then(async (ack) => {
                  setResult(`${t('watching')} ${ack.conversationId}`);
                  watchedChanged();
                  await readHistory(api, id, watched.get(id)!);
                  watchedChanged();
                })
                .catch((e: Error) => {
                  watched.delete(id);
                  watchedChanged();
                  setResult(e.message);
                });
            }}
          >
            {t('watch')}
          </button>
          <label>
            {t('toAgent')}
            <input value={target} onInput={(e) => setTarget((e.currentTarget as HTMLInputElement).value.trim())} name="toAgentId" />
          </label>
          <button
            type="button"
            onClick={() =>
              connection
                .request<OwnershipAckFrame>({ action: 'reassign', conversationId, toAgentId: target })
                .then((ack) => setResult(`${t('reassign')}: ${ack.status} ${ack.assigneeId ?? ''}`))
                .catch((e: Error) => setResult(e.message))
            }
          >
            {t('reassign')}
          </button>
        </form>
        {result && <span role="status">{result}</span>}
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="boards">
        {boards.map((board) => (
          <section class="board" key={board.shopId} aria-label={board.name}>
            <h2>
              <ShopBadge shopId={board.shopId} name={board.name} />
            </h2>
            <KpiStrip kpis={kpis[board.shopId]} />
            <table>
              <caption class="visually-hidden">{t('waitingLine')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('stage')}</th>
                  <th scope="col">{t('group')}</th>
                  <th scope="col">{t('waitingLine')}</th>
                  <th scope="col">{t('longestWait')}</th>
                </tr>
              </thead>
              <tbody>
                {board.stages.map((line) => (
                  <tr key={line.stage} data-stage={line.stage}>
                    <th scope="row">{stageLabel(line.stage)}</th>
                    <td>{line.groupId}</td>
                    <td class={line.waiting > 0 ? 'alert' : ''} data-waiting={line.waiting}>
                      {line.waiting}
                    </td>
                    <td>{line.oldestWaitingSince ? formatWait(line.oldestWaitingSince) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <ul class="groups">
              {board.groups.map((group) => (
                <li key={group.groupId}>
                  <strong>{group.groupId}</strong>
                  {group.backup ? ` (${t('backup')})` : ''}：
                  {group.agents.map((agent) => (
                    <span class={`agent ${agent.presence}`} key={agent.agentId} data-agent={agent.agentId} data-presence={agent.presence}>
                      {agent.name} {t(agent.presence)} {agent.load}/{agent.cap}
                    </span>
                  ))}
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
      {[...watched.entries()].map(([id, log]) => (
        <section class="watched" key={id} aria-label={`${t('watching')} ${id}`}>
          <h2>
            {t('watching')} {id}
          </h2>
          <div class="messages" role="log">
            {log.messages().map((m) => (
              <MessageBubble key={m.seq} message={m} mine={m.senderRole !== 'buyer'} label={m.senderRole === 'robot' ? t('robot') : m.senderId} />
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}

/** One shop's figures of its local today; each figure labelled (a `<dl>`), absent ones "—" with a spoken "no data yet". */
function KpiStrip(props: { kpis: ShopDayKpis | undefined }) {
  const figures = props.kpis?.figures ?? {};
  return (
    <section class="kpi-strip" aria-label={t('kpiToday')} data-day={props.kpis?.day}>
      <h3 class="visually-hidden">
        {t('kpiToday')} {props.kpis?.day ?? ''}
      </h3>
      <dl>
        {wallKpiNames.map((name) => {
          const value = figures[name];
          return (
            <div key={name} class="kpi">
              <dt>{t(`kpi_${name}` as TextKey)}</dt>
              <dd data-kpi={name} data-value={value ?? ''} aria-label={value === undefined ? t('kpiNone') : undefined}>
                {formatKpi(name, value)}
              </dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}

/** The conversation so far, page by page, into the watched log (frames that arrived meanwhile stay once). */
async function readHistory(api: Api, conversationId: string, log: ConversationLog): Promise<void> {
  let afterSeq = 0;
  for (;;) {
    const page = await api.get<MessagesPage>(`/v1/conversations/${encodeURIComponent(conversationId)}/messages?afterSeq=${afterSeq}&limit=100`);
    log.addPage(page);
    if (!page.hasMore || page.nextAfterSeq === undefined || page.nextAfterSeq <= afterSeq) return;
    afterSeq = page.nextAfterSeq;
  }
}
