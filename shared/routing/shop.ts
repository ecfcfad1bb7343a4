import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { stageSchema, stages, type Stage } from '../conversations/conversation';
import { platforms } from '../orders/envelope';
import { timeZoneSchema } from '../tenants/tenant';
import { humanText } from './text';

/** The stages a shop's service splits into (售前 / 售中 / 售后): the conversation's own stage names. */
export const conversationStages = stages;
export type ConversationStage = Stage;
export const conversationStageSchema = stageSchema;

/**
 * `by-stage`: each stage has its own group, the last agent is kept when they serve that stage.
 * `owner`: one agent owns the buyer end to end (Xueli's model); groups are the fallback when the owner is
 * away or full.
 */
export const routingModes = ['by-stage', 'owner'] as const;
export type RoutingMode = (typeof routingModes)[number];

/** One Handu agent held 2,000 chats at the Double 11 peak; 5,000 leaves headroom without being unbounded. */
export const maxAgentCap = 5000;
export const defaultIdleCloseMinutes = 30;
export const defaultAgentCap = 200;

export const shopRoutingSchema = z.strictObject({
  mode: z.enum(routingModes),
  groups: z.strictObject({ 'pre-sale': idSchema, 'in-sale': idSchema, 'after-sale': idSchema }),
  /** Borrowed from when the stage's group is full (after-sale lends to pre-sale at a promo's start). */
  backupGroup: idSchema.optional(),
  idleCloseMinutes: z.number().int().min(1).max(24 * 60).default(defaultIdleCloseMinutes),
  /** Cap given to an agent whose profile does not set one. */
  defaultAgentCap: z.number().int().min(1).max(maxAgentCap).default(defaultAgentCap),
});
export type ShopRouting = z.infer<typeof shopRoutingSchema>;

export const shopPersonaSchema = z.strictObject({
  /** How replies should sound: "warm", "artsy" for a retro brand. */
  tone: humanText(200),
  /** What agents call themselves in this shop's chats. */
  nickname: humanText(32).optional(),
});

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM, 00:00 to 24:00');

/** Hours the shop's agents answer, on the given days, in the profile's time zone (close after open). */
export const serviceHoursSchema = z
  .strictObject({ days: z.array(z.enum(weekdays)).min(1).max(7), open: clockTime, close: clockTime })
  .refine((hours) => hours.close > hours.open, { message: 'close must be after open', path: ['close'] });

/**
 * What onboarding records about a shop besides routing: where it sells, its id there, its time zone and
 * service hours. Optional on PUT /v1/shops: a body without it keeps the stored profile, so clients
 * written before it existed change nothing by leaving it out.
 */
export const shopProfileSchema = z.strictObject({
  platform: z.enum([...platforms, 'other']),
  platformShopId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 letters, digits, . _ : or -'),
  timeZone: timeZoneSchema,
  serviceHours: z.array(serviceHoursSchema).max(14).optional(),
});
export type ShopProfile = z.infer<typeof shopProfileSchema>;

/** A shop as stored and returned: its routing configuration plus what agents need to sound like it. */
export const shopSchema = z.object({
  shopId: idSchema,
  name: z.string(),
  category: z.string(),
  persona: z.object({ tone: z.string(), nickname: z.string().optional() }).optional(),
  routing: shopRoutingSchema,
  profile: z
    .object({
      platform: z.string(),
      platformShopId: z.string(),
      timeZone: z.string(),
      serviceHours: z.array(z.object({ days: z.array(z.string()), open: z.string(), close: z.string() })).optional(),
    })
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Shop = z.infer<typeof shopSchema>;

/**
 * What a staff client needs to mark each of the caller's shops (issue 11: the shop's name on every
 * conversation and reply box); no routing, no profile.
 */
export const myShopSchema = shopSchema.pick({ shopId: true, name: true, category: true, persona: true });
export const myShopsSchema = z
  .object({ shops: z.array(myShopSchema).meta({ description: "The caller's shops (the token's shop list) that exist, by id." }) })
  .meta({ id: 'MyShops' });
export type MyShops = z.infer<typeof myShopsSchema>;

/** Every group a shop routes to: the stage groups and the backup group. */
export function groupsOfShop(routing: ShopRouting): string[] {
  const groups = new Set<string>(Object.values(routing.groups));
  if (routing.backupGroup) groups.add(routing.backupGroup);
  return [...groups];
}
