import { z } from 'zod';
import type { Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import { assertSupervisesShop } from '../routing/access';
import { groupsOfShop } from '../routing/shop';
import { listAgentIdsOfGroup, listOnlineAgentIdsOfGroup } from '../store/agents';
import { getCatalogueHead } from '../store/catalogue';
import { libraryReplyCount } from '../store/quick-replies';
import { getShop } from '../store/shops';

/**
 * What a shop still lacks before it can go live. `blocking` items must be ok for `ready`; `warning`
 * items are worth fixing but depend on the hour (nobody online before opening time).
 */
export const checklistItemIds = ['profile', 'service-hours', 'agents-in-groups', 'agents-online', 'quick-replies', 'catalogue'] as const;

export const checklistSchema = z.object({
  shopId: z.string(),
  ready: z.boolean(),
  items: z.array(
    z.object({
      id: z.enum(checklistItemIds),
      ok: z.boolean(),
      severity: z.enum(['blocking', 'warning']),
      /** What is missing, or what was found. */
      detail: z.string(),
    }),
  ),
});
export type Checklist = z.infer<typeof checklistSchema>;

export const checklistDependencies = {
  getShop: (tenantId: string, shopId: string) => getShop(tenantId, shopId, { consistent: true }),
  listAgentIdsOfGroup,
  onlineInGroup: async (tenantId: string, groupId: string) => (await listOnlineAgentIdsOfGroup(tenantId, groupId, 0, 1)).length > 0,
  libraryReplyCount,
  getCatalogueHead,
};

export async function shopChecklist(identity: Identity, shopId: string, deps = checklistDependencies): Promise<Checklist> {
  assertSupervisesShop(identity, shopId);
  const shop = await deps.getShop(identity.tenantId, shopId);
  if (!shop) throw new NotFoundError('shop');
  const { tenantId } = identity;
  const stageGroups = [...new Set(Object.values(shop.routing.groups))];
  const [members, online, shopReplies, tenantReplies, catalogue] = await Promise.all([
    Promise.all(stageGroups.map(async (groupId) => ({ groupId, count: (await deps.listAgentIdsOfGroup(tenantId, groupId)).length }))),
    Promise.all(groupsOfShop(shop.routing).map((groupId) => deps.onlineInGroup(tenantId, groupId))),
    deps.libraryReplyCount(tenantId, { kind: 'shop', shopId }),
    deps.libraryReplyCount(tenantId, { kind: 'tenant' }),
    deps.getCatalogueHead(tenantId, shopId),
  ]);
  const empty = members.filter((group) => group.count === 0).map((group) => group.groupId);
  const items: Checklist['items'] = [
    { id: 'profile', severity: 'blocking', ...check(shop.profile !== undefined, 'platform, platform shop id and time zone are set', 'no profile: set platform, platformShopId and timeZone (PUT /v1/shops/{shopId})') },
    { id: 'service-hours', severity: 'blocking', ...check((shop.profile?.serviceHours?.length ?? 0) > 0, 'service hours are set', 'no service hours in the profile') },
    { id: 'agents-in-groups', severity: 'blocking', ...check(empty.length === 0, 'every stage group has agents', `no agents in group${empty.length > 1 ? 's' : ''} ${empty.join(', ')}`) },
    { id: 'agents-online', severity: 'warning', ...check(online.some(Boolean), 'an agent of the shop is online', 'no agent of the shop is online now') },
    {
      id: 'quick-replies',
      severity: 'blocking',
      ...check(shopReplies + tenantReplies > 0, `${shopReplies} shop and ${tenantReplies} tenant-wide quick replies`, 'no quick replies in the shop or tenant library'),
    },
    { id: 'catalogue', severity: 'blocking', ...check(catalogue.activeVersion !== undefined, `catalogue version ${catalogue.activeVersion} with ${catalogue.productCount} products`, 'no product catalogue imported') },
  ];
  return { shopId, ready: items.every((item) => item.severity === 'warning' || item.ok), items };
}

const check = (ok: boolean, whenOk: string, whenMissing: string) => ({ ok, detail: ok ? whenOk : whenMissing });

