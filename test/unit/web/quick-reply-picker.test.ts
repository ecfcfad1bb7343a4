import { describe, expect, it } from 'vitest';
import type { QuickReplyView } from '../../../web/src/contracts';
import { repliesForShop } from '../../../web/src/quick-reply-picker';

const at = '2026-11-11T00:00:00.000Z';
const reply = (shortcut: string, scope: QuickReplyView['scope'], over: Partial<QuickReplyView> = {}): QuickReplyView => ({
  shortcut,
  title: `${scope} ${shortcut}${over.contentSet ? ` ${over.contentSet}` : ''}`,
  variants: ['v'],
  tags: [],
  scope,
  ...(scope === 'shop' ? { shopId: 'peach-glow' } : {}),
  createdAt: at,
  updatedAt: at,
  updatedBy: 'u',
  ...over,
});

describe("the workbench's quick-reply picker with promo sets", () => {
  const library = [
    reply('/hi', 'agent'),
    reply('/hi', 'tenant', { contentSet: 'double11' }),
    reply('/ship', 'shop'),
    reply('/ship', 'shop', { contentSet: 'double11' }),
    reply('/ship', 'shop', { contentSet: '618' }),
    reply('/bye', 'tenant', { contentSet: 'double11' }),
    reply('/size', 'shop', { shopId: 'other-shop', contentSet: 'double11' }),
    reply('/thanks', 'tenant'),
  ];
  const titles = (list: QuickReplyView[]) => list.map((r) => r.title);

  it('offers the set\'s version of each shortcut while the set is in force, even over the agent\'s own, as the server sends', () => {
    expect(titles(repliesForShop(library, 'peach-glow', 'double11'))).toEqual(['shop /ship double11', 'tenant /bye double11', 'tenant /hi double11', 'tenant /thanks']);
  });

  it('never offers a tagged version outside its phase, nor another set\'s or another shop\'s', () => {
    expect(titles(repliesForShop(library, 'peach-glow', undefined))).toEqual(['agent /hi', 'shop /ship', 'tenant /thanks']);
    expect(titles(repliesForShop(library, 'peach-glow', '618'))).toEqual(['agent /hi', 'shop /ship 618', 'tenant /thanks']);
    expect(repliesForShop(library, 'other-shop', 'double11').map((r) => r.shortcut)).not.toContain('/ship');
  });
});
