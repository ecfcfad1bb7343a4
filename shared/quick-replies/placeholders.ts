/**
 * Placeholders a quick reply may contain, each with the neutral text it renders to when the value is
 * unknown. `{buyerName}` falls back to 亲 ("dear"), which is how Taobao agents address any buyer, so a
 * reply reads naturally whether or not the platform shared a nickname. `{shopName}` falls back to 本店
 * ("our shop"). `{orderNumber}` falls back to nothing: write it where the sentence reads without it
 * ("您的订单{orderNumber}已发货" → "您的订单已发货").
 */
export const placeholderFallbacks = {
  buyerName: '亲',
  shopName: '本店',
  orderNumber: '',
} as const;

export type PlaceholderName = keyof typeof placeholderFallbacks;
export type PlaceholderValues = Partial<Record<PlaceholderName, string>>;

export const placeholderNames = Object.keys(placeholderFallbacks) as PlaceholderName[];

/**
 * `{name}` with an identifier inside is a placeholder; any other brace ("{^_^}", "{ }") is plain text,
 * because agents use braces in emoticons.
 */
export const placeholderPattern = /\{([A-Za-z][A-Za-z0-9_]{0,63})\}/g;

export function isPlaceholderName(name: string): name is PlaceholderName {
  return Object.hasOwn(placeholderFallbacks, name);
}

/**
 * The placeholders in a template that kefu cannot fill, in order of appearance.
 *
 * @example unknownPlaceholders('亲 {buyerName}, {coupon}') // ['coupon']
 */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(placeholderPattern)].map((match) => match[1] ?? '').filter((name) => !isPlaceholderName(name));
}
