import type { QuickReplyKey } from '../store/quick-replies';

/**
 * The opaque page cursor of a quick-reply list: the last reply of the page (its shortcut and, for a promo
 * version, its content set), wrapped so clients do not build on its shape. It only positions a query
 * inside the caller's own library (the partition key is rebuilt from the verified identity on every
 * request), so a forged cursor cannot reach another library.
 */
export function encodeCursor(last: QuickReplyKey): string {
  return Buffer.from(JSON.stringify({ v: 1, after: last.shortcut, ...(last.contentSet !== undefined ? { set: last.contentSet } : {}) }), 'utf8').toString('base64url');
}

/** The reply to continue after, or undefined if the cursor was not made by encodeCursor. */
export function decodeCursor(cursor: string): QuickReplyKey | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { v, after, set } = parsed as { v?: unknown; after?: unknown; set?: unknown };
    if (v !== 1 || typeof after !== 'string') return undefined;
    if (set !== undefined && (typeof set !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(set))) return undefined;
    return { shortcut: after, ...(typeof set === 'string' ? { contentSet: set } : {}) };
  } catch {
    return undefined;
  }
}
