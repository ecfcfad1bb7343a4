import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { responsePolicySchema, taobaoThreeMinutePolicy, type ResponsePolicy } from '../after-sales/response-clock';

/**
 * A shop's response policy as the HTTP API takes and returns it (issue 7 §4). The rules of the clock
 * itself are in shared/after-sales/response-clock.ts; this adds what makes a policy consistent as a whole.
 */

/** What a shop without a stored policy runs on: Taobao's 3-minute rate (platforms.md §2). */
export const defaultResponsePolicy: ResponsePolicy = taobaoThreeMinutePolicy;

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** A daily window as [start, end) minutes after the local midnight of its day; an overnight one ends past 1440. */
function windowMinutes(window: { start: string; end: string }): [number, number] {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  return [start, end > start ? end : end + 1440];
}

/**
 * The index pairs of windows that share a moment on some day, an overnight window's tail (past midnight)
 * included. Overlapping windows would merge silently into one longer service day, which is almost
 * always a typo in the shop's configuration, so they are refused.
 */
export function overlappingWindows(windows: readonly { start: string; end: string }[]): [number, number][] {
  const pairs: [number, number][] = [];
  windows.forEach((a, i) => {
    const [aStart, aEnd] = windowMinutes(a);
    windows.slice(i + 1).forEach((b, offset) => {
      const [bStart, bEnd] = windowMinutes(b);
      // b on the same day, on the day before (its tail reaching into a's day), or the day after.
      const meets = [-1440, 0, 1440].some((shift) => aStart < bEnd + shift && bStart + shift < aEnd);
      if (meets) pairs.push([i, i + 1 + offset]);
    });
  });
  return pairs;
}

/** PUT /v1/shops/{shopId}/response-policy: the whole policy. Undeclared fields (tenantId, shopId…) are refused. */
export const putResponsePolicyBody = responsePolicySchema
  .extend({
    // Intl also takes offsets such as "+08:00" as zones; an offset has no DST rules, so only names pass.
    timeZone: responsePolicySchema.shape.timeZone.refine((zone) => /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone), 'must be an IANA zone name, not an offset'), serviceHours: z.array(z.strictObject({ start: responsePolicySchema.shape.serviceHours.element.shape.start, end: responsePolicySchema.shape.serviceHours.element.shape.end })).min(1).max(8) })
  .strict()
  .superRefine((policy, context) => {
    policy.serviceHours.forEach((window, index) => {
      if (window.start === window.end) context.addIssue({ code: 'custom', path: ['serviceHours', index], message: 'a window must not start and end at the same time' });
    });
    for (const [, second] of overlappingWindows(policy.serviceHours)) {
      context.addIssue({ code: 'custom', path: ['serviceHours', second], message: 'overlaps an earlier window' });
    }
    if (policy.atRiskSeconds >= policy.targetSeconds) {
      context.addIssue({ code: 'custom', path: ['atRiskSeconds'], message: 'must be less than targetSeconds (the alert comes before the clock runs out)' });
    }
  });
export type PutResponsePolicyBody = z.infer<typeof putResponsePolicyBody>;

export const responsePolicyViewSchema = z.object({
  shopId: idSchema,
  policy: responsePolicySchema,
  /** `default` until a supervisor or admin stores one for the shop. */
  source: z.enum(['default', 'shop']),
  updatedAt: z.string().optional(),
  updatedBy: idSchema.optional(),
});
export type ResponsePolicyView = z.infer<typeof responsePolicyViewSchema>;
