import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { checkPromo, type Promo } from '../../shared/promo/calendar';
import { getPromo, savePromo } from '../../shared/store/promos';
import { findQuickReply, putQuickReply, type QuickReplyContent } from '../../shared/store/quick-replies';
import { demoTenant } from './demo-data';

/**
 * The demo's Double 11 (issue 10): a promo of the demo firm's Peach Glow shop on the next 11-11 whose
 * opening and sustained phases switch the shop to the `double11` quick-reply set, and the shop's
 * double11 versions of `/hi` and `/bye` plus a `/ship` that exists only in the set. Next year's phases
 * are not in force; to see the switch, start the peak at once (in force from then to its scheduled end):
 *   npm run promo -- trigger --promo double11-demo --phase peak --token $(npm run -s token -- --tenant demo-firm --user ops-li --role ops)
 * Written through the store functions the routes use, kept when already there (like the rest of the seed).
 */
export const demoPromoId = 'double11-demo';
export const demoContentSet = 'double11';
const shopId = 'peach-glow';

/** The next Double 11 whose warm-up has not begun yet (phases are never seeded in the past). */
export function demoDouble11(now: Date, actor: string): Promo {
  const thisYear = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(now));
  const year = now.getTime() < Date.parse(`${thisYear}-10-20T12:00:00Z`) ? thisYear : thisYear + 1;
  const routing = { stageBorrowing: [{ from: 'after-sale' as const, to: 'pre-sale' as const }], contentSet: demoContentSet };
  const { phases, problems } = checkPromo(
    {
      name: '双11 演示 Double 11 demo',
      zone: 'Asia/Shanghai',
      shopIds: [shopId],
      phases: [
        { phaseId: 'deposit', kind: 'warm-up', startsAt: `${year}-10-20T20:00`, endsAt: `${year}-11-10T23:00` },
        { phaseId: 'peak', kind: 'peak', startsAt: `${year}-11-11T00:00`, endsAt: `${year}-11-11T02:00`, routing },
        { phaseId: 'sustained', kind: 'sustained', startsAt: `${year}-11-11T02:00`, endsAt: `${year}-11-12T00:00`, routing },
        { phaseId: 'tail', kind: 'after-sales-tail', startsAt: `${year}-11-14T00:00`, endsAt: `${year}-11-29T00:00`, routing: { stageBorrowing: [{ from: 'pre-sale', to: 'after-sale' }] } },
      ],
    },
    now,
    undefined,
  );
  if (problems.length > 0) throw new Error(`demo promo: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
  const at = now.toISOString();
  // checkPromo leaves absent switches as undefined keys; the seed's client does not drop them as the handlers' does.
  const stored = phases.map(({ routing: phaseRouting, infrastructure, ...phase }) => ({ ...phase, ...(phaseRouting ? { routing: phaseRouting } : {}), ...(infrastructure ? { infrastructure } : {}) }));
  return { promoId: demoPromoId, name: '双11 演示 Double 11 demo', zone: 'Asia/Shanghai', shopIds: [shopId], phases: stored, triggered: {}, version: 1, createdAt: at, updatedAt: at, updatedBy: actor };
}

/** Peach Glow's double11 versions, in the shop persona's voice. */
export const demoDouble11QuickReplies: readonly ({ shortcut: string } & QuickReplyContent)[] = [
  { shortcut: '/hi', title: '双11问候', variants: ['双11狂欢开始啦小仙女~ 0点起全店满300减50，前1小时付款再送小样 ♡', '小仙女双11快乐！桃桃在呢，今晚的满减和赠品都可以问我哦~'], tags: ['greeting', '双11'], contentSet: demoContentSet },
  { shortcut: '/bye', title: '双11结束语', variants: ['双11快乐~ 付完尾款记得来找桃桃领赠品哦，么么哒'], tags: ['closing', '双11'], contentSet: demoContentSet },
  { shortcut: '/ship', title: '双11发货', variants: ['双11订单多，桃桃们正在加急打包，预计11月13日前全部发出，小仙女耐心等等哦~'], tags: ['shipping', '双11'], contentSet: demoContentSet },
];

export async function seedDemoPromo(client: DynamoDBDocumentClient, now: Date, actor: string): Promise<('created' | 'kept')[]> {
  const tenantId = demoTenant.tenantId;
  const promo: 'created' | 'kept' = (await getPromo(tenantId, demoPromoId, client))
    ? 'kept'
    : (await savePromo(demoDouble11(now, actor), tenantId, undefined, actor, client), 'created');
  const replies = await Promise.all(
    demoDouble11QuickReplies.map(async ({ shortcut, ...content }) => {
      const scope = { kind: 'shop', shopId } as const;
      if (await findQuickReply(tenantId, [{ scope, contentSet: content.contentSet }], shortcut, client)) return 'kept' as const;
      await putQuickReply(tenantId, scope, shortcut, content, actor, now, client);
      return 'created' as const;
    }),
  );
  return [promo, ...replies];
}
