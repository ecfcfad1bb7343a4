import { DateTime } from 'luxon';
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { AppError, ValidationError, type ErrorDetail } from '../http/errors';

/**
 * A shop's outreach settings (issue 8, docs/outreach-design.md §2): which tasks run, when, on which
 * channel, under which rules, and the coupon strategy and budget. Set by the shop's supervisors and the
 * tenant's admins (PUT /v1/shops/{shopId}/outreach-settings); omitted fields take the defaults.
 */

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00-23:59)');
const zoneSchema = z.string().min(1).max(64).refine((zone) => DateTime.local().setZone(zone).isValid, 'must be an IANA time zone');
const template = z.string().min(1).max(2000);

/** Placeholders a template may use; anything else in braces is refused (UNKNOWN_PLACEHOLDER). */
export const templatePlaceholders = ['buyerName', 'shopName', 'orderId', 'couponAmount', 'reviewDays'] as const;

/**
 * Platform limits on one outreach message (docs/outreach-design.md §2): Taobao/Qianniu chat keeps a
 * message short enough to read on a phone; one SMS segment is 70 Chinese characters and providers bill
 * long SMS per segment, so kefu refuses templates past 3 segments. Configuration, not law.
 */
export const templateLimits = { chat: 500, sms: 210 } as const;

export const rewardConditions = ['callback', 'any-review', 'none'] as const;

const couponRow = z.strictObject({
  /** `dsr-below`: the shop's DSR is under `dsrBelow`; `steady`: otherwise; `before-launch`: a launch is within `launchWithinDays`. */
  when: z.enum(['dsr-below', 'steady', 'before-launch']),
  dsrBelow: z.number().min(1).max(5).optional(),
  launchWithinDays: z.number().int().min(1).max(60).optional(),
  kind: z.enum(['coupon', 'cash']),
  amountMinor: z.number().int().min(1).max(1_000_000),
  /**
   * What the reward is for: the callback itself or any review. A reward may never depend on the rating
   * given (好评返现 is prohibited: Taobao rules, SAMR, Anti-Unfair Competition Law); `positive-review`
   * and the like are accepted by the schema only so the refusal can name them (REWARD_TIED_TO_RATING).
   */
  rewardFor: z.string().min(1).max(40).default('callback'),
});
export type CouponRow = z.infer<typeof couponRow>;

export const outreachSettingsBody = z.strictObject({
  timeZone: zoneSchema.default('Asia/Shanghai'),
  /** Nothing is sent inside these local hours; a task due then waits until `end` (deferred, never dropped). */
  quietHours: z.strictObject({ start: hhmm, end: hhmm }).default({ start: '22:00', end: '08:00' }),
  /** The brand the shop belongs to: the per-buyer daily cap counts across the firm's shops of one brand. */
  brandId: idSchema.optional(),
  /** Outreach messages one buyer may get per local day across the brand's shops. */
  dailyCapPerBuyer: z.number().int().min(1).max(20).default(3),
  urgeToPay: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Minutes after the order for each nudge: at most three (三催), increasing. */
      afterMinutes: z
        .array(z.number().int().min(5).max(7 * 24 * 60))
        .min(1)
        .max(3)
        .refine((list) => list.every((value, index) => index === 0 || value > list[index - 1]!), 'must increase')
        .default([30, 240, 1200]),
      template: template.default('亲，您在{shopName}的订单{orderId}还未付款，库存有限，记得尽快支付哦~'),
    })
    .prefault({}),
  shippingNotice: z
    .strictObject({ enabled: z.boolean().default(true), template: template.default('亲，您的订单{orderId}已发货，请留意物流信息~') })
    .prefault({}),
  urgeToConfirm: z
    .strictObject({
      enabled: z.boolean().default(true),
      afterSignedHours: z.number().int().min(1).max(10 * 24).default(48),
      template: template.default('亲，订单{orderId}已签收，确认无误后记得确认收货哦~'),
    })
    .prefault({}),
  deliveryCallback: z
    .strictObject({
      enabled: z.boolean().default(true),
      delayMinutes: z.number().int().min(0).max(7 * 24 * 60).default(120),
      /** `agents`: in an agent's work list (capacity-aware); `robot`: sent automatically. */
      assignTo: z.enum(['agents', 'robot']).default('agents'),
      /** Open callbacks one agent may hold at once. */
      agentCap: z.number().int().min(1).max(5000).default(200),
      template: template.default('亲，{shopName}回访：订单{orderId}的宝贝收到了吗？使用有任何问题随时找我们~'),
    })
    .prefault({}),
  reviewInvitation: z
    .strictObject({
      enabled: z.boolean().default(true),
      afterFinishedHours: z.number().int().min(0).max(14 * 24).default(24),
      /** The platform's review window after the trade finished (Taobao: 15 days). */
      windowDays: z.number().int().min(1).max(30).default(15),
      template: template.default('亲，订单{orderId}的宝贝用得还满意吗？{reviewDays}天内可以评价，期待您的真实反馈~'),
    })
    .prefault({}),
  reviewRepair: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  channels: z
    .strictObject({
      /** Unread this many hours after sending → one resend on the other channel. */
      resendAfterHours: z.number().int().min(1).max(72).default(24),
      sms: z
        .strictObject({
          enabled: z.boolean().default(false),
          /** Ramp-up: SMS on the first day, multiplied by `growth` each day after `rampStartedOn`, up to `maxPerDay`. */
          startPerDay: z.number().int().min(1).max(100_000).default(100),
          growth: z.number().min(1).max(10).default(2),
          maxPerDay: z.number().int().min(1).max(10_000_000).default(50_000),
          rampStartedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Messages per second this shop may send (its token bucket after the queue). */
  sendPerSecond: z.number().int().min(1).max(10_000).default(50),
  coupons: z
    .strictObject({
      /** The shop's detailed seller rating (DSR), 1-5, as last read from the platform. */
      dsr: z.number().min(1).max(5).default(4.8),
      /** The next product launch, if any: rows `before-launch` apply within their window. */
      launchAt: z.string().datetime({ offset: true }).optional(),
      /** Minor units a day (shop's local day); 0 issues nothing. */
      dailyBudgetMinor: z.number().int().min(0).max(1_000_000_000).default(0),
      currency: z.string().regex(/^[A-Z]{3}$/).default('CNY'),
      strategy: z.array(couponRow).max(10).default([]),
    })
    .prefault({}),
});
export type OutreachSettingsBody = z.infer<typeof outreachSettingsBody>;
export type OutreachSettings = OutreachSettingsBody & { shopId: string; updatedAt?: string };

export const defaultOutreachSettings = (shopId: string): OutreachSettings => ({ shopId, ...outreachSettingsBody.parse({}) });

/** The brand a shop's per-buyer cap and opt-outs count under: its own id when it names none. */
export const brandOf = (settings: Pick<OutreachSettings, 'brandId' | 'shopId'>): string => settings.brandId ?? settings.shopId;

/**
 * Words that tie a reward to the rating: 好评返现, 五星好评返…, 全5分返…, "5-star … cashback". A
 * template may mention reviews and may offer a coupon for the callback or any review, never for a good one.
 */
const ratingBoundReward = [
  /好评.{0,8}(返|送|领|得|奖|红包|优惠券|现金)/,
  /(五|5|５)\s*星.{0,8}(返|送|领|得|奖|红包|优惠券|现金)/,
  /全\s*(五|5|５)\s*分/,
  /(返|送|领).{0,6}(好评|五星|5星)/,
  /\b(5|five)[- ]?star\b.{0,20}\b(cash|coupon|refund|reward)/i,
  /\bpositive review\b.{0,20}\b(cash|coupon|reward)/i,
];

export function tiesRewardToRating(text: string): boolean {
  return ratingBoundReward.some((pattern) => pattern.test(text));
}

const placeholderPattern = /\{([^{}]*)\}/g;

/** Every named template of the settings with its field path and the channel limit that applies. */
function templatesOf(body: OutreachSettingsBody): { field: string; text: string }[] {
  return [
    { field: 'body.urgeToPay.template', text: body.urgeToPay.template },
    { field: 'body.shippingNotice.template', text: body.shippingNotice.template },
    { field: 'body.urgeToConfirm.template', text: body.urgeToConfirm.template },
    { field: 'body.deliveryCallback.template', text: body.deliveryCallback.template },
    { field: 'body.reviewInvitation.template', text: body.reviewInvitation.template },
  ];
}

/** Checks a template alone: placeholders known, within the channel's length, no reward tied to a rating. */
export function checkTemplate(field: string, text: string, smsEnabled: boolean): void {
  for (const match of text.matchAll(placeholderPattern)) {
    if (!(templatePlaceholders as readonly string[]).includes(match[1]!)) {
      throw new AppError(400, 'UNKNOWN_PLACEHOLDER', `unknown placeholder {${match[1]}}; known: ${templatePlaceholders.join(', ')}`, [
        { field, message: `unknown placeholder {${match[1]}}` },
      ]);
    }
  }
  // Placeholders expand: measure with a generous stand-in for each (a 19-digit order id, a shop name).
  const expanded = renderTemplate(text, { buyerName: 'x'.repeat(12), shopName: 'x'.repeat(20), orderId: '0'.repeat(19), couponAmount: '0000.00', reviewDays: '15' });
  const limit = smsEnabled ? templateLimits.sms : templateLimits.chat;
  if ([...expanded].length > limit) {
    throw new AppError(400, 'TEMPLATE_TOO_LONG', `the template expands past ${limit} characters (${smsEnabled ? 'SMS, 3 segments' : 'platform chat'})`, [
      { field, message: `at most ${limit} characters once placeholders are filled` },
    ]);
  }
  if (tiesRewardToRating(text)) throw rewardTiedToRating(field);
}

export const rewardTiedToRating = (field: string) =>
  new AppError(422, 'REWARD_TIED_TO_RATING', 'a reward may not depend on a positive rating (好评返现 is prohibited); reward the callback or any review', [
    { field, message: 'ties a reward to the rating' },
  ]);

/**
 * The checks zod cannot express with a code of their own: templates (placeholders, length, compliance),
 * the coupon strategy (compliance, one row per situation, thresholds present). Throws before anything is stored.
 */
export function checkOutreachSettings(body: OutreachSettingsBody): void {
  for (const { field, text } of templatesOf(body)) checkTemplate(field, text, body.channels.sms.enabled);
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  body.coupons.strategy.forEach((row, index) => {
    const field = `body.coupons.strategy.${index}`;
    if (!(rewardConditions as readonly string[]).includes(row.rewardFor)) {
      if (/review|rating|评|星|分/i.test(row.rewardFor)) throw rewardTiedToRating(`${field}.rewardFor`);
      details.push({ field: `${field}.rewardFor`, message: `must be one of ${rewardConditions.join(', ')}` });
    }
    if (seen.has(row.when)) details.push({ field: `${field}.when`, message: 'one row per situation' });
    seen.add(row.when);
    if (row.when === 'dsr-below' && row.dsrBelow === undefined) details.push({ field: `${field}.dsrBelow`, message: 'required for dsr-below' });
    if (row.when === 'before-launch' && row.launchWithinDays === undefined) details.push({ field: `${field}.launchWithinDays`, message: 'required for before-launch' });
  });
  if (details.length > 0) throw new ValidationError('invalid coupon strategy', details);
}

export interface TemplateValues {
  buyerName?: string;
  shopName?: string;
  orderId?: string;
  couponAmount?: string;
  reviewDays?: string;
}

export function renderTemplate(text: string, values: TemplateValues): string {
  return text.replace(placeholderPattern, (whole, name: string) => (values as Record<string, string | undefined>)[name] ?? (name in values ? '' : whole));
}

/**
 * The coupon row for the shop now: a launch within its window first (bigger coupons before a launch),
 * then a low DSR (cash or larger), else steady (small, to maintain it). Undefined: no row applies.
 */
export function chooseCouponRow(coupons: OutreachSettingsBody['coupons'], now: Date): CouponRow | undefined {
  const rows = coupons.strategy;
  const launch = rows.find((row) => row.when === 'before-launch');
  if (launch && coupons.launchAt) {
    const untilLaunchMs = Date.parse(coupons.launchAt) - now.getTime();
    if (untilLaunchMs >= 0 && untilLaunchMs <= (launch.launchWithinDays ?? 0) * 86_400_000) return launch;
  }
  const low = rows.find((row) => row.when === 'dsr-below');
  if (low && coupons.dsr < (low.dsrBelow ?? 0)) return low;
  return rows.find((row) => row.when === 'steady');
}
