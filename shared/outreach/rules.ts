import { DateTime } from 'luxon';
import type { OutreachSettings } from './settings';
import type { OutreachKind } from './task';

/**
 * The outreach rules that are plain functions of time and text (docs/outreach-design.md §3): quiet hours
 * in the shop's zone, the buyer's local day for the frequency cap, the SMS ramp, opt-out words.
 */

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The first instant at or after `at` outside the shop's quiet hours. Inside them, the end of the quiet
 * window (the next local `end`): a task due at 23:10 goes at 08:00 — deferred, never dropped. Windows
 * may wrap midnight (22:00–08:00) or not (12:00–13:30); equal start and end mean no quiet hours.
 */
export function nextSendableAt(at: Date, settings: Pick<OutreachSettings, 'timeZone' | 'quietHours'>): Date {
  const start = minutesOf(settings.quietHours.start);
  const end = minutesOf(settings.quietHours.end);
  if (start === end) return at;
  const local = DateTime.fromJSDate(at, { zone: settings.timeZone });
  const minute = local.hour * 60 + local.minute;
  const quiet = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!quiet) return at;
  let endAt = local.startOf('day').plus({ minutes: end });
  if (endAt <= local) endAt = endAt.plus({ days: 1 });
  return endAt.toJSDate();
}

export function isQuiet(at: Date, settings: Pick<OutreachSettings, 'timeZone' | 'quietHours'>): boolean {
  return nextSendableAt(at, settings).getTime() !== at.getTime();
}

/** The shop's local day of an instant (`yyyy-mm-dd`): caps, budgets and ramps count per local day. */
export function localDayOf(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toISODate()!;
}

/** The start of the next local day after `at`, pushed past quiet hours: where a capped task waits. */
export function nextLocalDayStart(at: Date, settings: Pick<OutreachSettings, 'timeZone' | 'quietHours'>): Date {
  const next = DateTime.fromJSDate(at, { zone: settings.timeZone }).startOf('day').plus({ days: 1 }).toJSDate();
  return nextSendableAt(next, settings);
}

/** SMS a shop may send on a local day while its ramp climbs: start × growth^days, at most maxPerDay. */
export function smsAllowanceOn(day: string, sms: OutreachSettings['channels']['sms']): number {
  if (!sms.enabled) return 0;
  const started = sms.rampStartedOn ?? day;
  const days = Math.max(0, Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${started}T00:00:00Z`)) / 86_400_000));
  return Math.min(sms.maxPerDay, Math.floor(sms.startPerDay * sms.growth ** Math.min(days, 60)));
}

/**
 * A buyer asking to hear no more (退订 and variants: TD / T 回复, 取消订阅, 不要再发, 别再发了, 拒收,
 * unsubscribe, STOP). Matched on the whole message with spaces removed, so "退 订" counts; a question
 * that merely mentions the word in another sense ("怎么退订单") is not an opt-out.
 */
const optOutPatterns = [
  /退订(?!单)/,
  /^(td|t|stop|unsubscribe|退|取消)$/i,
  /取消订阅/,
  /(不要|别|不用|勿)再?(给我)?(发|打|推送|骚扰)/,
  /拒收(短信|消息|推送)/,
  /\bunsubscribe\b/i,
  /^stop\b/i,
];

export function isOptOut(text: string): boolean {
  const squeezed = text.normalize('NFKC').replace(/[\s\u200b-\u200f\u2060\ufeff]+/g, '').replace(/[。.!！~～]+$/u, '');
  if (squeezed.length === 0 || squeezed.length > 200) return false;
  return optOutPatterns.some((pattern) => pattern.test(squeezed));
}

/**
 * Outreach kinds that are not deferred out of a promo's peak (issue 10 §2): an urge to pay is
 * revenue-critical (an order unpaid when the final-payment window closes is lost, and a nudge after the
 * peak is too late to help), and a campaign went out at the minute a supervisor chose for it (a flash
 * sale announced after its start is wrong). Shipping notices, urges to confirm, delivery callbacks and
 * review invitations lose nothing by waiting for the phase's end, and they are the bulk.
 */
export const urgentOutreachKinds: ReadonlySet<OutreachKind> = new Set(['urge-to-pay', 'campaign']);

/**
 * When a task due now may go: after the shop's quiet hours and, for a non-urgent kind, after the promo
 * phase in force that defers outreach (its end, then quiet hours again). `now` when it may go at once.
 */
export function sendableAt(kind: OutreachKind, now: Date, settings: Pick<OutreachSettings, 'timeZone' | 'quietHours'>, promoDeferralEnd: string | undefined): { at: Date; reason: 'quiet-hours' | 'promo-peak' } {
  const quiet = nextSendableAt(now, settings);
  if (promoDeferralEnd === undefined || urgentOutreachKinds.has(kind)) return { at: quiet, reason: 'quiet-hours' };
  const afterPromo = nextSendableAt(new Date(Math.max(now.getTime(), Date.parse(promoDeferralEnd))), settings);
  return afterPromo.getTime() > quiet.getTime() ? { at: afterPromo, reason: 'promo-peak' } : { at: quiet, reason: 'quiet-hours' };
}
