import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { FloodControl, SharedBudget, TokenBuckets } from '../../shared/conversations/flood-control';
import { maxSocketsPerUser } from '../../shared/conversations/socket-cap';
import { identityToAuthorizerContext, type Identity } from '../../shared/auth/identity';
import { RateLimitedError } from '../../shared/http/errors';
import { leaseMessageBlock } from '../../shared/store/rate-budgets';
import { listConnectionsOfUser } from '../../shared/store/connections';
import { keys } from '../../shared/store/keys';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { handler as connectHandler } from '../../functions/ws/connect';
import { handler as disconnectHandler } from '../../functions/ws/disconnect';
import { lambdaContext, wsEvent } from '../support/events';

const tenantId = `flood-${Date.now().toString(36)}`;
const buyer = (userId: string): Identity => ({ tenantId, userId, role: 'buyer', shopIds: [] });

/** One Lambda instance's limiter: its own buckets and leases, the table shared with every other instance. */
const instance = () =>
  new FloodControl(
    new TokenBuckets({ ratePerSecond: 20, burst: 40 }),
    new SharedBudget({ windowSeconds: 10, limitPerWindow: 40, blockSize: 10, freePerWindow: 0, lease: (lease) => leaseMessageBlock(lease) }),
  );

async function admitted(control: FloodControl, identity: Identity, connectionId: string, nowMs: number): Promise<boolean> {
  try {
    await control.admit(identity, connectionId, nowMs);
    return true;
  } catch (error) {
    if (error instanceof RateLimitedError) return false;
    throw error;
  }
}

describe('flood control across instances (DynamoDB Local, row 22)', () => {
  it('two instances share one user budget: a connection spread over both gets the budget once, not twice', async () => {
    const [a, b] = [instance(), instance()];
    const flooder = buyer('spread-flooder');
    // Mid-window, so the 60 frames all fall in one window.
    const now = Math.floor(Date.now() / 10_000) * 10_000 + 1000;
    // Interleaved as API Gateway would spread one connection's frames over two warm instances.
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => admitted(i % 2 === 0 ? a : b, flooder, 'conn-spread', now + i)),
    );
    // Each instance's own bucket would let 40 through (80 in all): the shared budget holds the user to 40.
    expect(results.filter(Boolean)).toHaveLength(40);
    const counter = await dynamo().send(
      new GetCommand({ TableName: env().TABLE_NAME, Key: keys.userMessageBudget(tenantId, flooder.userId, Math.floor(now / 1000 / 10) * 10), ConsistentRead: true }),
    );
    expect(counter.Item).toMatchObject({ leased: 40, entity: 'MessageBudget', expiresAt: Math.floor(now / 1000 / 10) * 10 + 10 + 60 });

    // Another user of the same tenant, on the same instances, is untouched.
    expect(await admitted(a, buyer('quiet'), 'conn-quiet', now + 100)).toBe(true);
    // The next window starts a new budget.
    expect(await admitted(b, flooder, 'conn-spread-2', now + 10_000)).toBe(true);
  });

  it('never grants more than the budget to many instances racing for the last blocks', async () => {
    const instances = Array.from({ length: 8 }, instance);
    const user = buyer('racer');
    const now = Math.floor(Date.now() / 10_000) * 10_000 + 2000;
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => admitted(instances[i % 8]!, user, `conn-${i % 8}`, now + (i % 5))),
    );
    // Leases are all-or-nothing: the counter ends at the limit, never past it, and no instance admits
    // more than it leased (a block an instance leased but did not use up is lost at the window's end).
    const counter = await dynamo().send(
      new GetCommand({ TableName: env().TABLE_NAME, Key: keys.userMessageBudget(tenantId, user.userId, Math.floor(now / 1000 / 10) * 10), ConsistentRead: true }),
    );
    expect(counter.Item?.leased).toBe(40);
    expect(results.filter(Boolean).length).toBeLessThanOrEqual(40);
    expect(results.filter(Boolean).length).toBeGreaterThan(0);
  });
});

describe('socket cap per user (DynamoDB Local)', () => {
  const connect = async (identity: Identity, connectionId: string) =>
    (await connectHandler(wsEvent({ connectionId, routeKey: '$connect', authorizer: identityToAuthorizerContext(identity) }), lambdaContext)) as { statusCode: number };
  const disconnect = async (identity: Identity, connectionId: string) =>
    (await disconnectHandler(wsEvent({ connectionId, routeKey: '$disconnect', authorizer: identityToAuthorizerContext(identity) }), lambdaContext)) as { statusCode: number };

  it(`accepts ${maxSocketsPerUser} live sockets of one user, refuses the next with 429 and keeps no record of it; a closed one makes room`, async () => {
    const agent: Identity = { tenantId, userId: 'many-tabs', role: 'agent', shopIds: ['s1'] };
    const statuses: number[] = [];
    for (let i = 0; i < maxSocketsPerUser + 2; i++) statuses.push((await connect(agent, `tab-${String(i).padStart(2, '0')}`)).statusCode);
    expect(statuses.slice(0, maxSocketsPerUser).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(maxSocketsPerUser)).toEqual([429, 429]);
    const live = await listConnectionsOfUser(tenantId, agent.userId);
    expect(live).toHaveLength(maxSocketsPerUser);
    expect(live.map((c) => c.connectionId)).not.toContain(`tab-${maxSocketsPerUser}`);

    // Another user of the tenant is not affected.
    expect((await connect({ ...agent, userId: 'one-tab' }, 'solo')).statusCode).toBe(200);
    await disconnect(agent, 'tab-03');
    expect((await connect(agent, 'tab-new')).statusCode).toBe(200);
    expect((await connect(agent, 'tab-newer')).statusCode).toBe(429);
  });

  it('under a burst of simultaneous connects, admits at least the cap, refuses the rest of a large burst, and leaves a record for exactly the admitted ones', async () => {
    const user = buyer('burst-tabs');
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => connect(user, `burst-${i}`)));
    const accepted = results.filter((r) => r.statusCode === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(maxSocketsPerUser);
    expect(accepted).toBeLessThan(60);
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 429)).toBe(true);
    expect(await listConnectionsOfUser(tenantId, user.userId)).toHaveLength(accepted);
  });
});
