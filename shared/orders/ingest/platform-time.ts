/**
 * Taobao and Douyin write times as `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+8, no daylight saving
 * since 1991), or as epoch seconds. kefu stores UTC ISO strings and versions as epoch milliseconds.
 */
const chinaWallTime = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,3})?$/;

export function chinaTimeToEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') return epochSecondsOrMs(value);
  if (typeof value !== 'string') return undefined;
  if (/^\d{10,13}$/.test(value)) return epochSecondsOrMs(Number(value));
  const match = chinaWallTime.exec(value.trim());
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}T${match[2]}${match[3] ?? ''}+08:00`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Any ISO-8601 time with an offset (Shopify) → epoch ms. */
export function isoToEpochMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/[zZ]|[+-]\d{2}:?\d{2}$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** 10 digits are seconds until the year 2286; 13 are milliseconds. */
function epochSecondsOrMs(value: number): number | undefined {
  if (!Number.isSafeInteger(value) || value < 0) return undefined;
  return value < 1e11 ? value * 1000 : value;
}

export const toIso = (epochMs: number): string => new Date(epochMs).toISOString();
