import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { stageSchema } from '../conversations/conversation';
import { decodeCursor } from './cursor';
import { placeholderNames, unknownPlaceholders } from './placeholders';
import { renderQuickReply } from './render-quick-reply';

/**
 * Request and response schemas of the quick-reply routes. The handlers parse with these, and
 * shared/contracts generates the OpenAPI document from the same objects.
 */

export const libraryScopes = ['agent', 'shop', 'tenant'] as const;
export type LibraryScopeName = (typeof libraryScopes)[number];

export const shortcutPattern = /^[A-Za-z0-9/_-]{1,32}$/;
export const shortcutSchema = z
  .string()
  .regex(shortcutPattern, 'must be 1-32 letters, digits, /, _ or -')
  .meta({ description: 'Keyboard shortcut, unique within its library; case-sensitive.', examples: ['/hi'] });

/**
 * Shortcuts usually start with `/`, so clients send them URL-encoded in the path (`%2Fhi`). Whether the
 * gateway hands over the raw or the decoded segment, decoding only when a `%` is present is unambiguous:
 * a shortcut never contains `%`.
 */
const encodedShortcut = z.preprocess((value) => {
  if (typeof value !== 'string' || !value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}, shortcutSchema);

export const shortcutPathSchema = z.strictObject({
  shortcut: encodedShortcut.meta({ description: 'The shortcut, URL-encoded as a path segment: `/hi` → `%2Fhi`.', examples: ['/hi'] }),
});

const noControlCharacters = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/;
const codePoints = (text: string) => [...text].length;

/**
 * Text a person typed: well-formed Unicode (a lone surrogate cannot be stored or rendered), no control
 * characters except line breaks and tabs, not blank, at most `max` characters counted as code points, as
 * JSON Schema's maxLength counts them (an emoji is one character, not two).
 */
export function text(max: number, options: { multiline: boolean }) {
  return z
    .string()
    .min(1)
    .max(max * 2)
    .superRefine((value, ctx) => {
      if (!value.isWellFormed()) ctx.addIssue({ code: 'custom', message: 'must be well-formed Unicode (no lone surrogates)' });
      else if (codePoints(value) > max) ctx.addIssue({ code: 'custom', message: `must be at most ${max} characters` });
      if (!noControlCharacters.test(value) || (!options.multiline && /[\n\r\t]/.test(value))) {
        ctx.addIssue({ code: 'custom', message: 'must not contain control characters' });
      }
      if (value.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be blank' });
    })
    .meta({ maxLength: max });
}

export const maxVariants = 10;
export const maxVariantLength = 2000;

export const variantSchema = text(maxVariantLength, { multiline: true })
  .superRefine((value, ctx) => {
    const unknown = unknownPlaceholders(value);
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder {${unknown[0]}}; use ${placeholderNames.map((name) => `{${name}}`).join(', ')}`,
      });
    }
    // Sent without an order number, "{orderNumber}" alone would be an empty message.
    else if (value.trim() !== '' && renderQuickReply(value, {}).trim() === '') {
      ctx.addIssue({ code: 'custom', message: 'must have text besides {orderNumber}' });
    }
  })
  .meta({
    maxLength: maxVariantLength,
    description: `One wording of the reply. Placeholders: ${placeholderNames.map((name) => `{${name}}`).join(', ')}; any other {identifier} is rejected, other braces are plain text.`,
  });

export const quickReplyBodySchema = z
  .object({
    title: text(100, { multiline: false }),
    variants: z
      .array(variantSchema)
      .min(1)
      .max(maxVariants)
      .superRefine((variants, ctx) => {
        variants.forEach((variant, index) => {
          const first = variants.indexOf(variant);
          if (first !== index) ctx.addIssue({ code: 'custom', path: [index], message: `duplicates variants.${first}` });
        });
      })
      .meta({ description: 'Ways to say the same thing; a buyer never gets the same one twice in a row.' }),
    tags: z.array(text(32, { multiline: false })).max(20).optional(),
    stage: stageSchema.optional().meta({ description: 'The service stage the reply is written for.' }),
  })
  .strict()
  .meta({ id: 'QuickReplyInput' });
export type QuickReplyBody = z.infer<typeof quickReplyBodySchema>;

/**
 * A promo content set's name (issue 10 §2): the name a promo phase's `routing.contentSet` gives. A reply
 * tagged with it is the shortcut's version sent while such a phase is in force for the conversation's shop.
 */
export const contentSetSchema = idSchema.meta({
  description: 'Promo content set: the version of the shortcut sent while a promo phase naming this set is in force for the shop (e.g. double11). Must be named by a phase of one of the tenant\'s promos.',
  examples: ['double11'],
});

const scopeFields = {
  scope: z.enum(libraryScopes).meta({
    description:
      'Which library: `agent` (the caller\'s own), `shop` (needs shopId; the caller must serve the shop), `tenant` (tenant-wide).',
  }),
  shopId: idSchema.optional().meta({ description: 'Required with scope=shop, refused otherwise.' }),
};

function shopIdGoesWithShopScope(query: { scope: LibraryScopeName; shopId?: string }, ctx: z.RefinementCtx) {
  if (query.scope === 'shop' && !query.shopId) ctx.addIssue({ code: 'custom', path: ['shopId'], message: 'required when scope=shop' });
  if (query.scope !== 'shop' && query.shopId) ctx.addIssue({ code: 'custom', path: ['shopId'], message: 'only allowed with scope=shop' });
}

/**
 * Which library (and, with `contentSet`, which promo version of the shortcut) a PUT or DELETE addresses;
 * for an import, the set every row without its own goes to. Strict: an `agentId` or `tenantId` parameter
 * is refused, not ignored.
 */
export const libraryQuerySchema = z
  .object({ ...scopeFields, contentSet: contentSetSchema.optional() })
  .strict()
  .superRefine(shopIdGoesWithShopScope);
export type LibraryQuery = z.infer<typeof libraryQuerySchema>;

export const listQuickRepliesQuerySchema = z
  .object({
    ...scopeFields,
    limit: z.coerce.number().int().min(1).max(100).optional().meta({ description: 'Page size, default 50.' }),
    cursor: z
      .string()
      .max(200)
      .transform((cursor, ctx) => {
        const after = decodeCursor(cursor);
        if (after === undefined) {
          ctx.addIssue({ code: 'custom', message: 'not a cursor returned by this API' });
          return z.NEVER;
        }
        return after;
      })
      .optional()
      .meta({ description: 'The nextCursor of the previous page, as returned.' }),
  })
  .strict()
  .superRefine(shopIdGoesWithShopScope);
export type ListQuickRepliesQuery = z.infer<typeof listQuickRepliesQuerySchema>;

const isoTime = z.string().datetime({ offset: true });

export const quickReplySchema = z
  .object({
    shortcut: shortcutSchema,
    title: z.string(),
    variants: z.array(z.string()),
    tags: z.array(z.string()),
    stage: stageSchema.optional(),
    /** Present on a promo version: sent instead of the everyday reply while a phase naming the set is in force. */
    contentSet: z.string().optional(),
    scope: z.enum(libraryScopes),
    /** Present for shop-scope replies. */
    shopId: idSchema.optional(),
    createdAt: isoTime,
    updatedAt: isoTime,
    /** User id of the last writer. */
    updatedBy: idSchema,
  })
  .meta({ id: 'QuickReply' });
export type QuickReplyView = z.infer<typeof quickReplySchema>;

export const quickReplyPageSchema = z
  .object({
    items: z.array(quickReplySchema).meta({ description: 'Ordered by shortcut; a shortcut\'s promo versions (contentSet) right after it.' }),
    nextCursor: z.string().optional().meta({ description: 'Absent on the last page.' }),
    contentSetInForce: z.string().optional().meta({
      description: 'scope=shop only: the promo content set in force for the shop now (its versions are what a shortcut sends); absent outside a promo phase that names one.',
    }),
  })
  .meta({ id: 'QuickReplyPage' });
