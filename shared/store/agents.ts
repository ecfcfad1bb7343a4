import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../http/errors';
import { agentSchema, type Agent, type Presence } from '../routing/agent';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { batchGetAll, queryPages } from './read-all';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed, isTransactionCanceled } from './write-failures';

const agentEntity = 'Agent';
const agentGroupMembershipEntity = 'AgentGroupMembership';

/** Optimistic lock: the profile is replaced only if nobody changed it since it was read. */
const agentIsNew = 'attribute_not_exists(pk)';
const agentUnchanged = 'version = :expectedVersion';
const agentExists = 'attribute_exists(pk)';

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
 * Agents by id (BatchGet, 100 a call, unprocessed keys retried); missing ones are left out. Routing reads
 * them strongly consistent: a stale load would only cost a failed transaction, but a stale presence would
 * keep routing to someone who just went away until the transaction says otherwise.
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

/** Ids of a group's agents (gsi1, keys only, every page). */
export async function listAgentIdsOfGroup(tenantId: string, groupId: string, client: DynamoDBDocumentClient = dynamo()): Promise<string[]> {
  const { gsi1pk, gsi1skPrefix } = keys.agentsOfGroup(tenantId, groupId);
  const ids: string[] = [];
  const pages = queryPages(client, {
    TableName: env().TABLE_NAME,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
    ExpressionAttributeValues: { ':pk': gsi1pk, ':prefix': gsi1skPrefix },
  });
  for await (const page of pages) {
    for (const item of page.Items ?? []) ids.push(String(item.gsi1sk).slice(gsi1skPrefix.length));
  }
  return ids;
}

export interface AgentProfile {
  name: string;
  shopIds: string[];
  groupIds: string[];
  cap: number;
}

/**
 * Creates or replaces an agent's profile and group memberships in one transaction: the agent item (load
 * and presence are kept; a new agent starts offline with load 0), a membership item per added group and
 * a delete per removed group. `previous` is the agent as read; if it changed since, nothing is written
 * and a 409 tells the caller to re-read.
 */
export async function saveAgentProfile(
  tenantId: string,
  agentId: string,
  profile: AgentProfile,
  previous: Pick<Agent, 'version' | 'groupIds'> | undefined,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Agent> {
  const table = env().TABLE_NAME;
  const at = now.toISOString();
  const before = new Set(previous?.groupIds ?? []);
  const after = new Set(profile.groupIds);
  const added = profile.groupIds.filter((g) => !before.has(g));
  const removed = [...before].filter((g) => !after.has(g));
  const version = (previous?.version ?? 0) + 1;
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
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
                ...(previous ? { ':expectedVersion': previous.version } : {}),
              },
            },
          },
          ...added.map((groupId) => ({
            Put: {
              TableName: table,
              Item: {
                ...keys.agentGroupMembership(tenantId, agentId, groupId),
                [tableSchema.entityAttribute]: agentGroupMembershipEntity,
                agentId,
                groupId,
              },
            },
          })),
          ...removed.map((groupId) => {
            const { pk, sk } = keys.agentGroupMembership(tenantId, agentId, groupId);
            return { Delete: { TableName: table, Key: { pk, sk } } };
          }),
        ],
      }),
    );
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

/** Sets an agent's presence; a missing agent is a NotFoundError and nothing is written. */
export async function updatePresence(
  tenantId: string,
  agentId: string,
  presence: Presence,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Agent> {
  try {
    const result = await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.agent(tenantId, agentId),
        ConditionExpression: agentExists,
        UpdateExpression: 'SET presence = :presence, presenceChangedAt = :now',
        ExpressionAttributeValues: { ':presence': presence, ':now': now.toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return agentSchema.parse(result.Attributes);
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw new NotFoundError('agent');
    throw error;
  }
}
