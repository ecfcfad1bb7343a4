/**
 * Every shop gets a colour of its own, derived from its id so it is the same on every screen and for
 * every agent, and dark enough (HSL lightness 32%) for white text and for text on white (WCAG AA).
 */
export function shopColour(shopId: string): string {
  let hash = 0;
  for (const char of shopId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `hsl(${hash % 360} 70% 32%)`;
}

export function shopTint(shopId: string): string {
  let hash = 0;
  for (const char of shopId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `hsl(${hash % 360} 70% 95%)`;
}
