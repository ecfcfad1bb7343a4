import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { stageSchema, stages } from '../conversations/conversation';
import { maxVariantLength, text, variantSchema } from '../quick-replies/schemas';

/**
 * A shop's FAQ for the robot that answers first (issue 8 §3): entries of questions and keywords the
 * matcher indexes, and answers written like quick-reply variants (same placeholders, same rotation), plus
 * the shop's robot settings. Request and response schemas of the routes; the contracts come from these.
 */

/**
 * The longest answer the robot sends: a quick-reply variant's bound, the longest text the platforms'
 * chat windows show in one bubble without folding it (kefu's chat limit is 4,000; quick replies keep to 2,000).
 */
export const maxRobotAnswerChars = maxVariantLength;

export const faqIdSchema = idSchema.meta({ description: 'The entry id, unique within the shop.', examples: ['courier'] });
export const faqPathParams = z.strictObject({ shopId: idSchema, faqId: faqIdSchema });

const distinct = (what: string) => (values: readonly string[], ctx: z.RefinementCtx) => {
  values.forEach((value, index) => {
    const first = values.indexOf(value);
    if (first !== index) ctx.addIssue({ code: 'custom', path: [index], message: `duplicates ${what}.${first}` });
  });
};

export const faqEntryBodySchema = z
  .strictObject({
    questions: z
      .array(text(200, { multiline: false }))
      .min(1)
      .max(30)
      .superRefine(distinct('questions'))
      .meta({ description: 'Ways buyers ask it; the matcher indexes each one.' }),
    keywords: z
      .array(text(32, { multiline: false }))
      .max(40)
      .superRefine(distinct('keywords'))
      .default([])
      .meta({ description: 'Words that point at this entry (weighted above the questions).' }),
    answers: z
      .array(variantSchema)
      .min(1)
      .max(10)
      .superRefine(distinct('answers'))
      .meta({ description: 'Variants of the answer, with quick-reply placeholders; a buyer never gets the same one twice in a row.' }),
    stage: stageSchema.optional().meta({ description: 'Only answered in conversations of this stage.' }),
    contentSet: idSchema
      .optional()
      .meta({
        description:
          "A promo content set (e.g. `double11`): the entry is answered only while a promo phase naming this set in its routing (`routing.contentSet`) is in force for the shop, and then wins over an untagged entry with a close confidence. Untagged entries are answered always.",
        examples: ['double11'],
      }),
    enabled: z.boolean().default(true),
  })
  .meta({ id: 'FaqEntryInput' });
export type FaqEntryBody = z.input<typeof faqEntryBodySchema>;
export type FaqEntryContent = z.output<typeof faqEntryBodySchema>;

export const faqEntrySchema = z
  .object({
    faqId: idSchema,
    shopId: idSchema,
    questions: z.array(z.string()),
    keywords: z.array(z.string()),
    answers: z.array(z.string()),
    stage: stageSchema.optional(),
    contentSet: idSchema.optional(),
    enabled: z.boolean(),
    updatedAt: z.string(),
    updatedBy: idSchema,
  })
  .meta({ id: 'FaqEntry' });
export type FaqEntry = z.infer<typeof faqEntrySchema>;

export const maxFaqEntriesPerShop = 500;

export const faqEntryListSchema = z
  .object({ items: z.array(faqEntrySchema).meta({ description: 'Ordered by faqId.' }), version: z.number().int().nonnegative() })
  .meta({ id: 'FaqEntryList' });

/** POST /v1/shops/{shopId}/faq-imports: many entries at once (JSON), all or nothing. */
export const faqImportBodySchema = z
  .strictObject({
    entries: z
      .array(z.strictObject({ faqId: faqIdSchema, entry: faqEntryBodySchema }))
      .min(1)
      .max(maxFaqEntriesPerShop)
      .superRefine((entries, ctx) => distinct('entries')(entries.map((e) => e.faqId), ctx)),
  })
  .meta({ id: 'FaqImportInput' });
export type FaqImportBody = z.infer<typeof faqImportBodySchema>;

export const faqImportResultSchema = z.object({ imported: z.number().int().nonnegative(), version: z.number().int().nonnegative() }).meta({ id: 'FaqImportResult' });

/** When the robot answers first: never, always, outside the shop's service hours, or when the waiting line is longer than `waitingOver`. */
export const robotModes = ['off', 'always', 'outside-service-hours', 'waiting-over'] as const;
export type RobotMode = (typeof robotModes)[number];

export const robotSettingsBodySchema = z
  .strictObject({
    mode: z.enum(robotModes),
    waitingOver: z.number().int().min(0).max(10_000).optional().meta({ description: 'With mode `waiting-over`: the robot takes new conversations while more than this many wait for the stage.' }),
    confidenceThreshold: z
      .number()
      .min(0.05)
      .max(1)
      .default(0.55)
      .meta({ description: 'The lowest match confidence the robot answers with (0.05-1); below it the question is a miss. The default is the sweep pick of `npm run robot:accuracy` (docs/robot.md).' }),
    missesBeforeHandoff: z.number().int().min(1).max(5).default(2).meta({ description: 'Misses in a row that hand the conversation to a person.' }),
    humanStages: z.array(stageSchema).max(stages.length).default([]).meta({ description: 'Stages whose conversations always go to a person (e.g. after-sale).' }),
    noHumanNoticeMinutes: z.number().int().min(1).max(15).default(3).meta({ description: 'After a hand-off, the robot tells the buyer if no person has joined within this many minutes.' }),
  })
  .superRefine((settings, ctx) => {
    if (settings.mode === 'waiting-over' && settings.waitingOver === undefined) ctx.addIssue({ code: 'custom', path: ['waitingOver'], message: 'required with mode waiting-over' });
  })
  .meta({ id: 'RobotSettingsInput' });
export type RobotSettingsBody = z.input<typeof robotSettingsBodySchema>;
export type RobotSettings = z.output<typeof robotSettingsBodySchema>;

/** confidenceThreshold: the threshold sweep of `npm run robot:accuracy` on both tuning sets (the most out-of-scope questions left to people while ≥ 90 % in scope are answered right). */
export const defaultRobotSettings: RobotSettings = { mode: 'off', confidenceThreshold: 0.55, missesBeforeHandoff: 2, humanStages: [], noHumanNoticeMinutes: 3 };

export const robotSettingsViewSchema = z
  .object({
    shopId: idSchema,
    settings: z.object({
      mode: z.enum(robotModes),
      waitingOver: z.number().int().optional(),
      confidenceThreshold: z.number(),
      missesBeforeHandoff: z.number().int(),
      humanStages: z.array(stageSchema),
      noHumanNoticeMinutes: z.number().int(),
    }),
    source: z.enum(['default', 'shop']),
    /** Bumped by every FAQ change: the containers' cached indexes compare it. */
    faqVersion: z.number().int().nonnegative(),
  })
  .meta({ id: 'RobotSettings' });
export type RobotSettingsView = z.infer<typeof robotSettingsViewSchema>;

export const robotStatsQuerySchema = z.strictObject({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
});

export const handoffReasons = ['requested', 'misses', 'sensitive', 'stage', 'robot-off'] as const;
export type HandoffReason = (typeof handoffReasons)[number];

export const robotDaySchema = z.object({
  day: z.string(),
  /** Conversations the robot took first. */
  conversations: z.number().int().nonnegative(),
  /** Questions it answered from the FAQ, and those it could not. */
  answered: z.number().int().nonnegative(),
  missed: z.number().int().nonnegative(),
  /** Conversations handed to a person, by reason. */
  handoffs: z.number().int().nonnegative(),
  handoffsByReason: z.partialRecord(z.enum(handoffReasons), z.number().int().nonnegative()),
  /** (conversations - handoffs) / conversations: taken and never handed on; 0 when none. */
  resolutionRate: z.number(),
  /** handoffs / conversations; 0 when none. */
  transferRate: z.number(),
});
export const robotStatsSchema = z.object({ shopId: idSchema, days: z.array(robotDaySchema) }).meta({ id: 'RobotStats' });
export type RobotDay = z.infer<typeof robotDaySchema>;
