import type { ConnectionState } from './connection';
import type { Message } from './contracts';
import { t } from './i18n';
import { shopColour } from './shops';

export function ShopBadge(props: { shopId: string; name: string; small?: boolean }) {
  return (
    <span class={`shop-badge${props.small ? ' small' : ''}`} style={{ background: shopColour(props.shopId) }} data-shop={props.shopId}>
      {props.name}
    </span>
  );
}

export function ConnectionBadge(props: { state: ConnectionState; connects?: number }) {
  const text =
    props.state === 'open' ? t('connected') : props.state === 'offline' ? t('connectionOffline') : props.state === 'reconnecting' ? t('reconnecting') : t('connecting');
  return (
    <span class={`connection ${props.state}`} role="status" data-state={props.state} data-connects={props.connects}>
      {text}
    </span>
  );
}

export function MessageBubble(props: { message: Message; mine: boolean; label: string }) {
  const { message } = props;
  return (
    <div class={`bubble${props.mine ? ' mine' : ''}`} data-seq={message.seq} data-role={message.senderRole}>
      <span class="meta">
        {props.label} · {new Date(message.createdAt).toLocaleTimeString()}
      </span>
      <span class="text">{message.text}</span>
    </div>
  );
}

/** How long a question has waited: `45s`, `3m`, `1h05m`. */
export function formatWait(since: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
