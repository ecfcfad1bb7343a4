import { isPlaceholderName, placeholderFallbacks, placeholderPattern, type PlaceholderValues } from './placeholders';

/**
 * Fills a variant's placeholders in one pass, so a value that itself looks like a placeholder (a buyer
 * nicknamed "{shopName}") is inserted literally and never expanded. Missing or blank values render as the
 * neutral fallback (see placeholders.ts); unknown placeholders cannot be stored, and are left as written
 * should an old item hold one.
 *
 * @example renderQuickReply('{buyerName}好，欢迎光临{shopName}', { shopName: '韩都衣舍' }) // '亲好，欢迎光临韩都衣舍'
 */
export function renderQuickReply(template: string, values: PlaceholderValues): string {
  return template.replace(placeholderPattern, (whole, name: string) => {
    if (!isPlaceholderName(name)) return whole;
    const value = values[name]?.trim();
    return value ? value : placeholderFallbacks[name];
  });
}
