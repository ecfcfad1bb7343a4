/**
 * The opaque page cursor of a quick-reply list: the last shortcut of the page, wrapped so clients do not
 * build on its shape. It only positions a query inside the caller's own library (the partition key is
 * rebuilt from the verified identity on every request), so a forged cursor cannot reach another library.
 */
export function encodeCursor(lastShortcut: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: lastShortcut }), 'utf8').toString('base64url');
}

/** The shortcut to continue after, or undefined if the cursor was not made by encodeCursor. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { v, after } = parsed as { v?: unknown; after?: unknown };
    return v === 1 && typeof after === 'string' ? after : undefined;
  } catch {
    return undefined;
  }
}
