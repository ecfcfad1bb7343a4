import { useEffect, useRef, useState } from 'preact/hooks';
import type { BuyerModel, Notice } from './buyer-model';
import { t } from './i18n';
import { ConnectionBadge, MessageBubble, ShopBadge } from './parts';
import { shopColour } from './shops';
import { useModel } from './store';

function noticeText(notice: Notice): string {
  if (notice.kind === 'closed') return t('conversationClosed');
  const key = notice.kind === 'agentJoined' ? 'agentJoined' : notice.kind === 'transferred' ? 'agentTransferred' : 'agentReassigned';
  return t(key, { name: notice.name ?? '' });
}

/** The buyer's chat with one shop; embeddable as an iframe on the shop's page (`/app/#/buyer?shop=<id>`). */
export function BuyerWidget(props: { model: BuyerModel; shopName: string }) {
  const { model } = props;
  useModel(model);
  const [text, setText] = useState('');
  const endRef = useRef<HTMLDivElement>(null);
  const messages = model.log.messages();
  useEffect(() => endRef.current?.scrollIntoView({ block: 'end' }), [messages.length, model.outbox.length, model.notices.length]);

  const rows: preact.ComponentChildren[] = [];
  const notices = [...model.notices];
  const flushNotices = (upToSeq: number) => {
    while (notices.length > 0 && notices[0]!.afterSeq <= upToSeq) {
      const notice = notices.shift()!;
      rows.push(
        <p class="notice" role="status" key={`n-${rows.length}`} data-notice={notice.kind}>
          {noticeText(notice)}
        </p>,
      );
    }
  };
  let robotShown = false;
  for (const message of messages) {
    flushNotices(message.seq - 1);
    const mine = message.senderRole === 'buyer';
    const robot = message.senderRole === 'robot';
    // The robot's first answer says who is answering and how to reach a person.
    if (robot && !robotShown) {
      robotShown = true;
      rows.push(
        <p class="notice" role="status" key={`robot-${message.seq}`} data-notice="robotJoined">
          {t('robotJoined')}
        </p>,
      );
    }
    const label = mine ? t('me') : robot ? t('robot') : (model.agentNames.get(message.senderId) ?? props.shopName);
    rows.push(<MessageBubble key={message.seq} message={message} mine={mine} label={label} />);
  }
  flushNotices(Number.MAX_SAFE_INTEGER);

  return (
    <div class="buyer-widget" style={{ '--shop': shopColour(model.shopId) }}>
      <header class="buyer-header">
        <ShopBadge shopId={model.shopId} name={props.shopName} />
        <span>{t('buyerTitle')}</span>
        <ConnectionBadge state={model.connectionState} connects={model.connects} />
      </header>
      {model.queuePosition !== undefined && (
        <p class="queue" role="status" data-queue-position={model.queuePosition}>
          {t('queuePosition', { n: Math.max(0, model.queuePosition - 1) })}
        </p>
      )}
      <div class="messages" role="log" aria-live="polite" aria-label={t('messages')}>
        {rows}
        {model.outbox.map((o) => (
          <div class="bubble mine pending" key={o.clientMessageId} data-pending>
            <span class="text">{o.text}</span>
            <span class="meta">{o.error ?? t('sending')}</span>
          </div>
        ))}
        <div ref={endRef} />
      </div>
      <form
        class="reply-box"
        onSubmit={(event) => {
          event.preventDefault();
          model.send(text);
          setText('');
        }}
      >
        <label class="visually-hidden" for="buyer-text">
          {t('buyerPlaceholder')}
        </label>
        <textarea
          id="buyer-text"
          rows={2}
          value={text}
          placeholder={t('buyerPlaceholder')}
          onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              // The textarea's own value: a key pressed right after input may beat the re-render.
              const value = (event.currentTarget as HTMLTextAreaElement).value;
              if (value.trim()) {
                model.send(value);
                setText('');
              }
            }
          }}
        />
        <button type="submit" disabled={!text.trim()}>
          {t('send')}
        </button>
      </form>
    </div>
  );
}
