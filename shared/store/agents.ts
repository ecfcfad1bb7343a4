import { GetCommand, QueryCommand, TransactWriteCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../http/errors';
import { agentSchema, type Agent, type Presence } from '../routing/agent';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';
import { cancellationCodes, isTransactionCanceled, type TransactItem } from './write-failures';

const agentEntity = 'Agent';
const agentGroupMembershipEntity = 'AgentGroupMembership';

/**
 * Optimistic lock: the profile is replaced only if nobody changed it since it was read, nor the presence
 * its memberships are written with.
 */
const agentIsNew = 'attribute_not_exists(pk)';
const agentUnchanged = 'version = :expectedVersion AND presence = :presence';

export async function getAgent(
  tenantId: string,
  agentId: string,
  options: { consistent?: boolean } = {},
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Agent | undefined> {
  const result = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.agent(tenantId, agentId), ConsistentRead: options.consistent ?? false }),
  );
  return result.Item ? agentSchema.parse(result.Item) : undefined;
}

/**
 * Agents by id (BatchGet, 100 a call, unprocessed keys retried); missing ones are left out. The router
 * reads its candidates eventually consistent (half the cost): a stale load or presence only costs a
 * failed assignment transaction, whose conditions are the truth, and its retry reads strongly consistent.
 */
export async function getAgents(
  tenantId: string,
  agentIds: readonly string[],
  options: { consistent?: boolean } = {},
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Agent[]> {
  const items = await batchGetAll(
    client,
    [...new Set(agentIds)].map((id) => keys.agent(tenantId, id)),
    { consistentRead: options.consistent ?? false },
  );
  return items.map((item) => agentSchema.parse(item));
}

/** The agent of a membership index entry: its gsi1sk ends in `AGENT#<id>`, and ids hold no '#'. */
const agentIdOfMembership = (item: Record<string, unknown>) => {
  const sortKey = String(item.gsi1sk);
  return sortKey.slice(sortKey.lastIndexOf('AGENT#') + 'AGENT#'.length);
};

/** Ids of every agent of a group, whatever their presence (gsi1, keys only, every page): the supervisor wall. */
export async function listAgentIdsOfGroup(tenantId: string, groupId: string, client: DynamoDBDocumentClient = dynamo()): Promise<string[]> {
  const { gsi1pk } = keys.agentsOfGroup(tenantId, groupId);
  const ids: string[] = [];
  const pages = paginateQuery({ client: client }, {
    TableName: env().TABLE_NAME,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi1pk },
  });
  for await (const page of pages) {
    for (const item of page.Items ?? []) ids.push(agentIdOfMembership(item));
  }
  return ids;
}

/**
 * Up to `limit` online members of a group, going round the group's member ring from `from` (0 ≤ from < 1,
 * how far round; keys.onlineAgentsOfGroup). A window starting at a random place is a random sample of
 * the online members, and all of them when the group has at most `limit` online. At most two keys-only
 * Queries of at most `limit` entries (~100 bytes an entry: 0.5 read units for up to ~40), whatever the
 * size of the group. gsi1 is eventually consistent: an agent who came online a moment ago may be missing,
 * one who left may still be listed (the agent item, read next, says which).
 */
export async function listOnlineAgentIdsOfGroup(
  tenantId: string,
  groupId: string,
  from: number,
  limit: number,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<string[]> {
  const range = keys.onlineAgentsOfGroup(tenantId, groupId, from);
  const page = async (lower: string, upper: string, pageLimit: number) => {
    const result = await client.send(
      new QueryCommand({
        TableName: env().TABLE_NAME,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :lower AND :upper',
        ExpressionAttributeValues: { ':pk': range.gsi1pk, ':lower': lower, ':upper': upper },
        Limit: pageLimit,
      }),
    );
    return (result.Items ?? []).map(agentIdOfMembership);
  };
  // From `from` to the end of the ring, then, if that was fewer than `limit`, from the start up to `from`
  // (no member's key equals `from` itself: member keys continue with `#AGENT#…`, so none is read twice).
  const ids = await page(range.from, range.end, limit);
  if (ids.length < limit) ids.push(...(await page(range.start, range.from, limit - ids.length)));
  return [...new Set(ids)];
}

export interface AgentProfile {
  name: string;
  shopIds: string[];
  groupIds: string[];
  cap: number;
}

/**
 * Creates or replaces an agent's profile and group memberships in one transaction: the agent item (load
 * and presence are kept; a new agent starts offline with load 0), a membership item per group, written
 * with the agent's presence (so the router's listing of online members is right from the start, and a
 * membership written before presence was on its key is repaired), and a delete per removed group.
 * `previous` is the agent as read; if it changed since (its profile, or its presence, which the
 * memberships carry), nothing is written and a 409 tells the caller to re-read.
 */
export async function saveAgentProfile(
  tenantId: string,
  agentId: string,
  profile: AgentProfile,
  previous: Pick<Agent, 'version' | 'groupIds' | 'presence'> | undefined,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
  /** Written in the same transaction: the change's audit entry. */
  extraItems: readonly TransactItem[] = [],
): Promise<Agent> {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: [...agentProfileWrites(tenantId, agentId, profile, previous, now), ...extraItems] }));
  } catch (error) {
    if (isTransactionCanceled(error)) {
      throw new ConflictError('AGENT_CHANGED', 'the agent was changed by someone else; read it again and retry');
    }
    throw error;
  }
  const saved = await getAgent(tenantId, agentId, { consistent: true }, client);
  if (!saved) throw new NotFoundError('agent');
  return saved;
}

/**
 * The writes of saveAgentProfile, for a caller that puts them in a transaction of its own (an invited
 * agent's account, seat and profile together): the agent item, conditioned on the version and presence
 * read (or on being new), a membership per group, a delete per removed group.
 */
export function agentProfileWrites(
  tenantId: string,
  agentId: string,
  profile: AgentProfile,
  previous: Pick<Agent, 'version' | 'groupIds' | 'presence'> | undefined,
  now = new Date(),
): TransactItem[] {
  const table = env().TABLE_NAME;
  const at = now.toISOString();
  const before = new Set(previous?.groupIds ?? []);
  const after = new Set(profile.groupIds);
  const removed = [...before].filter((g) => !after.has(g));
  const presence = previous?.presence ?? 'offline';
  const version = (previous?.version ?? 0) + 1;
  return [
    {
      Update: {
        TableName: table,
        Key: keys.agent(tenantId, agentId),
        ConditionExpression: previous ? agentUnchanged : agentIsNew,
        UpdateExpression:
          'SET #entity = :entity, agentId = :agentId, #name = :name, shopIds = :shopIds, groupIds = :groupIds, cap = :cap, ' +
          '#version = :version, updatedAt = :now, createdAt = if_not_exists(createdAt, :now), ' +
          '#load = if_not_exists(#load, :zero), presence = if_not_exists(presence, :offline)',
        ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute, '#name': 'name', '#version': 'version', '#load': 'load' },
        ExpressionAttributeValues: {
          ':entity': agentEntity,
          ':agentId': agentId,
          ':name': profile.name,
          ':shopIds': profile.shopIds,
          ':groupIds': profile.groupIds,
          ':cap': profile.cap,
          ':version': version,
          ':now': at,
          ':zero': 0,
          ':offline': 'offline',
          ...(previous ? { ':expectedVersion': previous.version, ':presence': previous.presence } : {}),
        },
      },
    },
    ...profile.groupIds.map((groupId) => membershipPut(tenantId, agentId, groupId, presence)),
    ...removed.map((groupId) => {
      const { pk, sk } = keys.agentGroupMembership(tenantId, agentId, groupId, presence);
      return { Delete: { TableName: table, Key: { pk, sk } } };
    }),
  ];
}

/** A group membership as stored, carrying the agent's presence on its gsi1 key. */
function membershipPut(tenantId: string, agentId: string, groupId: string, presence: Presence) {
  return {
    Put: {
      TableName: env().TABLE_NAME,
      Item: {
        ...keys.agentGroupMembership(tenantId, agentId, groupId, presence),
        [tableSchema.entityAttribute]: agentGroupMembershipEntity,
        agentId,
        groupId,
        presence,
      },
    },
  };
}

/** Tries of a presence change that lost to a profile change or a concurrent transaction on the agent. */
const maxPresenceTries = 4;

/**
 * Sets an agent's presence and moves every group membership to the matching gsi1 listing (ONLINE#,
 * AWAY#, OFFLINE#), in ONE transaction: the router lists only online members, so the agent item and its
 * memberships must never disagree (listed offline while online would hide the agent from their groups).
 * The agent update is conditioned on the profile version read, so a group added or removed meanwhile
 * makes it re-read and write the memberships the agent has now. A missing agent is a NotFoundError and
 * nothing is written. Cost: a strongly consistent read and a transaction of 1 + groups items, a few times
 * per agent and shift. Returns the agent with the new presence and the load as read.
 */
export async function updatePresence(
  tenantId: string,
  agentId: string,
  presence: Presence,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Agent> {
  for (let attempt = 0; attempt < maxPresenceTries; attempt++) {
    const agent = await getAgent(tenantId, agentId, { consistent: true }, client);
    if (!agent) throw new NotFoundError('agent');
    const at = now.toISOString();
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: env().TABLE_NAME,
                Key: keys.agent(tenantId, agentId),
                ConditionExpression: '#version = :version',
                UpdateExpression: 'SET presence = :presence, presenceChangedAt = :now',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':presence': presence, ':now': at, ':version': agent.version },
              },
            },
            ...agent.groupIds.map((groupId) => membershipPut(tenantId, agentId, groupId, presence)),
          ],
        }),
      );
      return { ...agent, presence };
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      // The profile changed (or the agent is gone), or another transaction held the agent: read again.
      if (cancellationCodes(error)[0] !== 'ConditionalCheckFailed') await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
    }
  }
  throw new ServiceUnavailableError('the agent is being changed; try again');
}

/**
 * The items of a new agent (offline, load 0, version 1) and their group memberships, as plain Puts for a
 * bulk write (a user import): the import checked that none of its agents exists, and a re-run of the same
 * file puts the same items.
 */
export function newAgentItems(tenantId: string, agentId: string, profile: AgentProfile, now = new Date()): Record<string, unknown>[] {
  const at = now.toISOString();
  return [
    {
      ...keys.agent(tenantId, agentId),
      [tableSchema.entityAttribute]: agentEntity,
      agentId,
      ...profile,
      presence: 'offline',
      load: 0,
      version: 1,
      createdAt: at,
      updatedAt: at,
    },
    ...profile.groupIds.map((groupId) => (membershipPut(tenantId, agentId, groupId, 'offline').Put.Item)),
  ];
}
