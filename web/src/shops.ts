/**
 * Every shop gets a colour of its own, derived from its id so it is the same on every screen and for
 * every agent, and dark enough (HSL lightness 27%: at least 4.8:1 against white at every hue, checked by a
 * unit test) for white text on it and for it as text on white (WCAG AA).
 */
export function shopColour(shopId: string): string {
  let hash = 0;
  for (const char of shopId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `hsl(${hash % 360} 70% 27%)`;
}

export function shopTint(shopId: string): string {
  let hash = 0;
  for (const char of shopId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `hsl(${hash % 360} 70% 95%)`;
}
