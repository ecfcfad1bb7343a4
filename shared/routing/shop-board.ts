import { z } from 'zod';
import type { Identity } from '../auth/identity';
import { idSchema } from '../auth/identity';
import { stages } from '../conversations/conversation';
import { NotFoundError } from '../http/errors';
import { getAgents, listAgentIdsOfGroup } from '../store/agents';
import { getShop } from '../store/shops';
import { summariseWaitingLine } from '../store/waiting-line';
import { assertSupervisesShop } from './access';
import { presences } from './agent';
import { groupsOfShop } from './shop';

/** Agents listed per group on the wall: a screen, not a directory (GET /v1/agents/{id} for the rest). */
export const maxAgentsPerGroupOnBoard = 200;

export const shopBoardSchema = z
  .object({
    shopId: idSchema,
    name: z.string(),
    stages: z.array(
      z.object({
        stage: z.enum(stages),
        groupId: idSchema.meta({ description: 'The group this stage routes to.' }),
        waiting: z.number().int().nonnegative().meta({ description: 'Conversations in the waiting line for this stage.' }),
        oldestWaitingSince: z.string().optional().meta({ description: 'Opening time of the longest-waiting conversation; absent when none waits.' }),
      }),
    ),
    groups: z.array(
      z.object({
        groupId: idSchema,
        backup: z.boolean().meta({ description: 'The backup group the shop borrows from when its stage groups are full.' }),
        agents: z
          .array(z.object({ agentId: idSchema, name: z.string(), presence: z.enum(presences), load: z.number().int(), cap: z.number().int() }))
          .meta({ description: `At most ${maxAgentsPerGroupOnBoard}, online first, then by load.` }),
      }),
    ),
  })
  .meta({ id: 'ShopBoard' });
export type ShopBoard = z.infer<typeof shopBoardSchema>;

export const shopBoardDependencies = { getShop, getAgents, listAgentIdsOfGroup, summariseWaitingLine };

const presenceOrder: Record<string, number> = { online: 0, away: 1, offline: 2 };

/**
 * The supervisor wall's view of one shop: per stage its waiting line (how many, since when the first
 * waits) and per routing group its agents with presence, load and cap. A shop outside the caller's
 * scope is a 404, as for every shop read.
 */
export async function shopBoardOf(identity: Identity, shopId: string, deps = shopBoardDependencies): Promise<ShopBoard> {
  assertSupervisesShop(identity, shopId);
  const shop = await deps.getShop(identity.tenantId, shopId);
  if (!shop) throw new NotFoundError('shop');
  const stageGroups = shop.routing.groups as Record<(typeof stages)[number], string>;
  const groupIds = groupsOfShop(shop.routing);
  const [lines, members] = await Promise.all([
    Promise.all(stages.map((stage) => deps.summariseWaitingLine(identity.tenantId, shopId, stage))),
    Promise.all(groupIds.map((groupId) => deps.listAgentIdsOfGroup(identity.tenantId, groupId))),
  ]);
  const agents = new Map((await deps.getAgents(identity.tenantId, [...new Set(members.flat())])).map((agent) => [agent.agentId, agent]));
  return {
    shopId,
    name: shop.name,
    stages: stages.map((stage, i) => ({
      stage,
      groupId: stageGroups[stage],
      waiting: lines[i]!.waiting,
      ...(lines[i]!.oldestOpenedAt ? { oldestWaitingSince: lines[i]!.oldestOpenedAt } : {}),
    })),
    groups: groupIds.map((groupId, i) => ({
      groupId,
      backup: shop.routing.backupGroup === groupId && !Object.values(stageGroups).includes(groupId),
      agents: members[i]!
        .flatMap((agentId) => {
          const agent = agents.get(agentId);
          return agent ? [{ agentId, name: agent.name, presence: agent.presence, load: agent.load, cap: agent.cap }] : [];
        })
        .sort((a, b) => (presenceOrder[a.presence] ?? 3) - (presenceOrder[b.presence] ?? 3) || b.load - a.load || a.agentId.localeCompare(b.agentId))
        .slice(0, maxAgentsPerGroupOnBoard),
    })),
  };
}
