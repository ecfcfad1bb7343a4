import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { renderQuickReply } from '../../shared/quick-replies/render-quick-reply';
import type { AssignmentOrderCard, Money, Presence, QuickReplyView } from './contracts';
import { stageLabel, t } from './i18n';
import { CasePanel } from './cases';
import { ConnectionBadge, MessageBubble, ShopBadge, formatWait } from './parts';
import { shopColour, shopTint } from './shops';
import { useModel } from './store';
import { VirtualList } from './virtual-list';
import type { ListFilter, WorkbenchConversation, WorkbenchModel } from './workbench-model';

const rowHeight = 64;

export function Workbench(props: { model: WorkbenchModel; shopName: (shopId: string) => string }) {
  const { model, shopName } = props;
  useModel(model);
  const [filter, setFilter] = useState<ListFilter>('all');
  const [selectedId, setSelectedId] = useState<string | undefined>();
  const list = model.list(filter);
  const selected = selectedId ? model.conversations.get(selectedId) : undefined;
  const selectedIndex = list.findIndex((c) => c.conversationId === selectedId);
  const replyRef = useRef<HTMLTextAreaElement>(null);
  // Set by the keyboard shortcut; the effect below focuses the reply box once the chosen conversation has rendered.
  const focusReplyAfterRender = useRef(false);

  const select = (conversationId: string | undefined) => {
    setSelectedId(conversationId);
    if (conversationId) model.markRead(conversationId);
  };

  // Keyboard first: Alt+↓ / Alt+↑ move through the list from anywhere, focus lands in the reply box.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp')) return;
      event.preventDefault();
      const current = model.list(filter);
      if (current.length === 0) return;
      const index = current.findIndex((c) => c.conversationId === selectedId);
      const next = event.key === 'ArrowDown' ? (index + 1) % current.length : (index - 1 + current.length) % current.length;
      focusReplyAfterRender.current = true;
      select(current[next]?.conversationId);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  useEffect(() => {
    if (!focusReplyAfterRender.current || !replyRef.current) return;
    focusReplyAfterRender.current = false;
    replyRef.current.focus();
  });

  // New messages in the open conversation are read as they arrive.
  useEffect(() => {
    if (selected && selected.unread > 0 && document.visibilityState === 'visible') model.markRead(selected.conversationId);
  });

  const waiting = list.filter((c) => c.pendingQuestionSince !== undefined).length;
  return (
    <div class="workbench">
      <section class="conversation-pane" aria-label={t('conversations')}>
        <div class="filters" role="tablist" aria-label={t('conversations')}>
          {(['all', 'waiting', 'unread'] as const).map((f) => (
            <button role="tab" aria-selected={filter === f} class={filter === f ? 'active' : ''} onClick={() => setFilter(f)} key={f}>
              {t(f === 'all' ? 'filterAll' : f === 'waiting' ? 'filterWaiting' : 'filterUnread')}
              {f === 'waiting' && waiting > 0 ? ` ${waiting}` : ''}
            </button>
          ))}
        </div>
        <div class="list-count" aria-live="polite">
          {model.conversations.size} · {t('filterWaiting')} {waiting}
        </div>
        {list.length === 0 ? (
          <p class="empty">{t('noConversations')}</p>
        ) : (
          <VirtualList
            items={list}
            rowHeight={rowHeight}
            label={t('conversations')}
            keyOf={(c) => c.conversationId}
            scrollToIndex={selectedIndex}
            render={(c) => <ConversationRow conversation={c} selected={c.conversationId === selectedId} shopName={shopName(c.shopId)} onSelect={() => select(c.conversationId)} />}
          />
        )}
        <p class="hint">{t('keyboardHelp')}</p>
      </section>
      <section class="chat-pane" aria-label={t('reply')}>
        {selected ? (
          <ChatView key={selected.conversationId} model={model} conversation={selected} shopName={shopName(selected.shopId)} replyRef={replyRef} />
        ) : selectedId && model.gone.has(selectedId) ? (
          <p class="empty" role="status">
            {t('conversationGone')}
          </p>
        ) : (
          <p class="empty">{t('noConversation')}</p>
        )}
      </section>
      <CasePanel book={model.cases} shopName={shopName} />
    </div>
  );
}

export function WorkbenchHeader(props: { model: WorkbenchModel }) {
  const { model } = props;
  useModel(model);
  return (
    <div class="header-tools">
      <ConnectionBadge state={model.connectionState} connects={model.connects} />
      <label class="presence">
        {t('presence')}
        <select
          value={model.presence ?? ''}
          onChange={(event) => void model.setPresence((event.currentTarget as HTMLSelectElement).value as Presence)}
          data-testid="presence"
        >
          <option value="" disabled>
            —
          </option>
          <option value="online">{t('online')}</option>
          <option value="away">{t('away')}</option>
          <option value="offline">{t('offline')}</option>
        </select>
      </label>
      {model.load !== undefined && (
        <span class="load">
          {t('load')} {model.load}/{model.cap}
        </span>
      )}
    </div>
  );
}

function ConversationRow(props: { conversation: WorkbenchConversation; selected: boolean; shopName: string; onSelect: () => void }) {
  const { conversation: c } = props;
  const last = c.log.last();
  return (
    <button
      type="button"
      role="option"
      aria-selected={props.selected}
      class={`conversation-row${props.selected ? ' selected' : ''}`}
      style={{ borderLeftColor: shopColour(c.shopId) }}
      onClick={props.onSelect}
      data-conversation={c.conversationId}
    >
      <span class="row-top">
        <ShopBadge shopId={c.shopId} name={props.shopName} small />
        <span class="buyer">{c.buyerId}</span>
        {c.pendingQuestionSince && <span class="wait">{formatWait(c.pendingQuestionSince)}</span>}
        {c.unread > 0 && (
          <span class="unread" aria-label={`${c.unread} ${t('unread')}`}>
            {c.unread}
          </span>
        )}
      </span>
      <span class="row-preview">{last?.text ?? ''}</span>
    </button>
  );
}

function ChatView(props: { model: WorkbenchModel; conversation: WorkbenchConversation; shopName: string; replyRef: { current: HTMLTextAreaElement | null } }) {
  const { model, conversation: c, shopName } = props;
  const messages = c.log.messages();
  const endRef = useRef<HTMLDivElement>(null);
  const [transferOpen, setTransferOpen] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => void model.loadOrders(c.conversationId), [c.conversationId]);
  useEffect(() => endRef.current?.scrollIntoView({ block: 'end' }), [messages.length, c.outbox.length]);

  return (
    <div class="chat" style={{ '--shop': shopColour(c.shopId), '--shop-tint': shopTint(c.shopId) }}>
      <header class="chat-header">
        <ShopBadge shopId={c.shopId} name={shopName} />
        <span class="buyer">
          {t('buyer')} {c.buyerId}
        </span>
        <span class="stage">{stageLabel(c.stage)}</span>
        {c.transferredBy && (
          <span class="transferred">
            {t('transferredBy')} {c.transferredBy}
            {c.note ? `：${c.note}` : ''}
          </span>
        )}
        <span class="actions">
          <button type="button" onClick={() => setTransferOpen(!transferOpen)} aria-expanded={transferOpen}>
            {t('transfer')}
          </button>
          <button type="button" onClick={() => model.close(c.conversationId).catch((e: Error) => setError(e.message))}>
            {t('close')}
          </button>
        </span>
      </header>
      {transferOpen && <TransferForm onCancel={() => setTransferOpen(false)} onTransfer={(target, note) => model.transfer(c.conversationId, target, note).catch((e: Error) => setError(e.message))} />}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="chat-body">
        <div class="messages" role="log" aria-live="polite" aria-label={t('messages')}>
          {messages.map((m) => (
            <MessageBubble key={m.seq} message={m} mine={m.senderId === model.userId} label={m.senderRole === 'robot' ? t('robot') : m.senderRole === 'buyer' ? m.senderId : m.senderId === model.userId ? t('me') : m.senderId} />
          ))}
          {c.outbox.map((o) => (
            <div class="bubble mine pending" key={o.clientMessageId} data-pending>
              <span class="text">{o.text}</span>
              <span class="meta">
                {o.error ? (
                  <button type="button" onClick={() => model.retry(c.conversationId, o.clientMessageId)}>
                    {o.error} ↻
                  </button>
                ) : (
                  t('sending')
                )}
              </span>
            </div>
          ))}
          <div ref={endRef} />
        </div>
        <aside class="order-slot" aria-label={t('orderCard')}>
          <h2>{t('orderCard')}</h2>
          {c.orders && c.orders.length > 0 ? c.orders.map((order) => <OrderCardView key={order.orderId} order={order} />) : <p class="muted">{t('orderCardEmpty')}</p>}
          {c.extras && <pre>{JSON.stringify(c.extras, null, 2)}</pre>}
        </aside>
      </div>
      <ReplyBox model={model} conversation={c} shopName={shopName} replyRef={props.replyRef} />
    </div>
  );
}

const money = (amount: Money | undefined) => (amount ? `${amount.currency === 'CNY' ? '¥' : `${amount.currency} `}${(amount.minor / 100).toFixed(2)}` : '');

/** One order: status, lines, total, the latest parcel event and open refunds. */
function OrderCardView(props: { order: AssignmentOrderCard }) {
  const { order } = props;
  const parcel = order.parcels[order.parcels.length - 1];
  return (
    <article class="order-card" data-order={order.orderId}>
      <header>
        <strong>{order.orderId}</strong> <span class="muted">{order.platformStatus ?? order.status ?? ''}</span>
      </header>
      <ul>
        {order.lines.map((line) => (
          <li key={line.lineId}>
            {line.title ?? line.skuId ?? line.lineId} × {line.quantity} {money(line.price)}
          </li>
        ))}
        {order.lineCount !== undefined && order.lineCount > order.lines.length && <li class="muted">… {order.lineCount}</li>}
      </ul>
      {order.total && <p>{money(order.total)}</p>}
      {parcel && (
        <p class="muted">
          {parcel.carrier ?? ''} {parcel.description ?? parcel.action}
        </p>
      )}
      {order.refunds.map((refund) => (
        <p key={refund.refundId} class="refund">
          {refund.kind} · {refund.status} {money(refund.amount)}
        </p>
      ))}
    </article>
  );
}

function TransferForm(props: { onCancel: () => void; onTransfer: (target: { toAgentId?: string; toGroupId?: string }, note: string) => void }) {
  const [kind, setKind] = useState<'agent' | 'group'>('agent');
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  return (
    <form
      class="transfer-form"
      aria-label={t('transfer')}
      onSubmit={(event) => {
        event.preventDefault();
        if (!target.trim() || !note.trim()) return;
        props.onTransfer(kind === 'agent' ? { toAgentId: target.trim() } : { toGroupId: target.trim() }, note.trim());
      }}
    >
      <label>
        {t('transferTo')}
        <select value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as 'agent' | 'group')}>
          <option value="agent">{t('toAgent')}</option>
          <option value="group">{t('toGroup')}</option>
        </select>
      </label>
      <label>
        {kind === 'agent' ? t('toAgent') : t('toGroup')}
        <input name="target" value={target} onInput={(e) => setTarget((e.currentTarget as HTMLInputElement).value)} required />
      </label>
      <label>
        {t('note')}
        <input name="note" value={note} onInput={(e) => setNote((e.currentTarget as HTMLInputElement).value)} required maxLength={500} />
      </label>
      <button type="submit">{t('confirm')}</button>
      <button type="button" onClick={props.onCancel}>
        {t('cancel')}
      </button>
    </form>
  );
}

/** `/hi` alone, or `/ship 2316888123456789` with the order number for `{orderNumber}`. */
function parseShortcut(text: string, replies: QuickReplyView[]): { reply: QuickReplyView; orderNumber?: string } | undefined {
  const match = /^(\S+)(?:\s+([A-Za-z0-9_-]{1,64}))?\s*$/.exec(text.trim());
  const reply = match ? replies.find((r) => r.shortcut === match[1]) : undefined;
  return reply ? { reply, ...(match?.[2] ? { orderNumber: match[2] } : {}) } : undefined;
}

function ReplyBox(props: { model: WorkbenchModel; conversation: WorkbenchConversation; shopName: string; replyRef: { current: HTMLTextAreaElement | null } }) {
  const { model, conversation: c } = props;
  const [text, setText] = useState('');
  const [highlight, setHighlight] = useState(0);
  const replies = model.quickRepliesFor(c.shopId);
  const typingShortcut = text.startsWith('/') && !/\s/.test(text);
  const matches = useMemo(() => (typingShortcut ? replies.filter((r) => r.shortcut.startsWith(text)).slice(0, 8) : []), [typingShortcut, text, replies]);
  const pick = matches[Math.min(highlight, matches.length - 1)];

  // The textarea's own value, not state: a key pressed right after input may beat the re-render.
  const submit = (text: string) => {
    const exact = parseShortcut(text, replies);
    const typing = text.startsWith('/') && !/\s/.test(text);
    const shown = typing ? replies.filter((r) => r.shortcut.startsWith(text)).slice(0, 8) : [];
    const candidate = shown[Math.min(highlight, shown.length - 1)];
    if (exact) model.sendQuickReply(c.conversationId, exact.reply.shortcut, exact.orderNumber);
    else if (candidate) model.sendQuickReply(c.conversationId, candidate.shortcut);
    else model.send(c.conversationId, text);
    setText('');
    setHighlight(0);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (matches.length > 0 && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      setHighlight((h) => (event.key === 'ArrowDown' ? (h + 1) % matches.length : (h - 1 + matches.length) % matches.length));
    } else if (matches.length > 0 && event.key === 'Tab' && pick) {
      event.preventDefault();
      setText(`${pick.shortcut} `);
    } else if (event.key === 'Escape') {
      setText('');
    } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      const value = (event.currentTarget as HTMLTextAreaElement).value;
      if (value.trim()) submit(value);
    }
  };

  const shopColourValue = shopColour(c.shopId);
  return (
    <form
      class="reply-box"
      style={{ borderColor: shopColourValue }}
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim()) submit(text);
      }}
    >
      <div class="reply-to" style={{ background: shopColourValue }}>
        {t('replyTo')} {props.shopName} · {c.buyerId}
      </div>
      {matches.length > 0 && (
        <ul class="quick-replies" role="listbox" aria-label={t('quickReplies')} id="quick-reply-list">
          {matches.map((reply, index) => (
            <li
              key={reply.shortcut}
              role="option"
              aria-selected={index === highlight}
              class={index === highlight ? 'active' : ''}
              onMouseDown={(event) => {
                event.preventDefault();
                model.sendQuickReply(c.conversationId, reply.shortcut);
                setText('');
              }}
            >
              <strong>{reply.shortcut}</strong> {reply.title}
              {reply.contentSet !== undefined && (
                <span class="promo-reply" title={reply.contentSet}>
                  {t('promoReply')}
                </span>
              )}
              <span class="preview">{renderQuickReply(reply.variants[0] ?? '', { shopName: props.shopName })}</span>
              {reply.variants.length > 1 && (
                <span class="variants">
                  {reply.variants.length} {t('variants')}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <label class="visually-hidden" for="reply-text">
        {t('reply')}
      </label>
      <textarea
        id="reply-text"
        ref={props.replyRef}
        value={text}
        rows={3}
        placeholder={t('quickReplyHint')}
        aria-controls={matches.length > 0 ? 'quick-reply-list' : undefined}
        onInput={(event) => {
          setText((event.currentTarget as HTMLTextAreaElement).value);
          setHighlight(0);
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" disabled={!text.trim()}>
        {t('send')}
      </button>
    </form>
  );
}
