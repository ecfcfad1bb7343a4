import type { Money } from './envelope';

const decimal = /^(\d{1,15})(?:\.(\d{1,2}))?$/;

/**
 * "12.30" → 1230 minor units, without floating point (0.1 + 0.2 must not reach an order card). Taobao and
 * Shopify send amounts as decimal strings; Douyin sends fen as integers (use `{ minor, currency }` directly).
 * Returns undefined for anything else, so the adapter can reject the field by name.
 */
export function parseDecimalMoney(text: unknown, currency: string): Money | undefined {
  const value = typeof text === 'number' ? String(text) : text;
  if (typeof value !== 'string') return undefined;
  const match = decimal.exec(value.trim());
  if (!match) return undefined;
  const [, whole = '0', fraction = ''] = match;
  const minor = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return Number.isSafeInteger(minor) ? { minor, currency } : undefined;
}
