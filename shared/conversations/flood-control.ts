import type { Identity } from '../auth/identity';
import { RateLimitedError } from '../http/errors';
import { leaseMessageBlock, type BlockLease } from '../store/rate-budgets';

/**
 * Flood control for the actions that store messages (sendMessage, sendQuickReply), in two layers:
 *
 * 1. A token bucket per connection in the handler's memory: free, and the first check, so a flood is
 *    mostly refused without touching the table. In the cloud each Lambda instance keeps its own buckets,
 *    so on its own it bounds a connection only per instance.
 * 2. A budget per user shared by every instance: a counter per fixed window in the table, leased in
 *    blocks (one conditional ADD per block), so it costs a fraction of a write per message and holds
 *    however many instances a user's frames are spread over. The first few messages of a user in a window
 *    in one instance need no lease: a buyer sending now and then never pays for the counter.
 *
 * Together with the local gateway's bounded queue and the stage's route throttle (API Gateway), one
 * flooding connection cannot starve the others.
 */

export interface TokenBucketOptions {
  ratePerSecond: number;
  burst: number;
  /** Buckets kept at most; the least recently used are dropped (a dropped bucket starts full). */
  maxKeys?: number;
}

/** Token buckets by key (a connection id), least recently used dropped first. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly options: TokenBucketOptions) {}

  /** Takes one token; false when there is none left. */
  take(key: string, nowMs = Date.now()): boolean {
    const { ratePerSecond, burst } = this.options;
    const previous = this.buckets.get(key);
    const tokens = previous ? Math.min(burst, previous.tokens + ((nowMs - previous.at) / 1000) * ratePerSecond) : burst;
    // Re-insert so Map order stays least recently used first.
    this.buckets.delete(key);
    const allowed = tokens >= 1;
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: nowMs });
    trimOldest(this.buckets, this.options.maxKeys ?? 10_000);
    return allowed;
  }
}

export interface SharedBudgetOptions {
  windowSeconds: number;
  /** Messages a user may send per window, over all their connections and all instances. */
  limitPerWindow: number;
  /** Tokens one lease takes from the shared counter. */
  blockSize: number;
  /** Messages per user per window one instance allows before it leases (never more than a block). */
  freePerWindow: number;
  /** Users whose window this instance remembers; the least recently used are dropped. */
  maxUsers?: number;
  lease: (lease: BlockLease) => Promise<boolean>;
}

interface UserWindow {
  window: number;
  /** Messages allowed in this window by this instance. */
  used: number;
  /** Leased tokens not yet used. */
  leased: number;
  /** A lease was refused: the user has no budget left in this window. */
  exhausted: boolean;
  leasing?: Promise<void>;
}

/** A user's budget per fixed window, shared through a counter in the table and leased in blocks. */
export class SharedBudget {
  private readonly users = new Map<string, UserWindow>();

  constructor(private readonly options: SharedBudgetOptions) {
    if (options.limitPerWindow % options.blockSize !== 0) throw new Error('limitPerWindow must be a multiple of blockSize');
  }

  /** Takes one message of the user's budget; false once the window's budget is spent. */
  async take(tenantId: string, userId: string, nowMs = Date.now()): Promise<boolean> {
    const window = Math.floor(nowMs / 1000 / this.options.windowSeconds);
    const key = `${tenantId}\u0000${userId}`;
    let state = this.users.get(key);
    if (!state || state.window !== window) state = { window, used: 0, leased: 0, exhausted: false };
    this.users.delete(key);
    this.users.set(key, state);
    trimOldest(this.users, this.options.maxUsers ?? 10_000);

    if (state.used < this.options.freePerWindow) {
      state.used += 1;
      return true;
    }
    // Bounded: every pass either returns or waits for a lease that adds a block or ends the window's budget.
    for (let pass = 0; pass <= this.options.limitPerWindow / this.options.blockSize + 1; pass++) {
      if (state.leased > 0) {
        state.leased -= 1;
        state.used += 1;
        return true;
      }
      if (state.exhausted) return false;
      // Concurrent frames of one user in this instance wait for the same lease rather than each taking one.
      state.leasing ??= this.leaseBlock(tenantId, userId, state).finally(() => {
        state.leasing = undefined;
      });
      await state.leasing;
    }
    return false;
  }

  private async leaseBlock(tenantId: string, userId: string, state: UserWindow): Promise<void> {
    const { windowSeconds, blockSize, limitPerWindow } = this.options;
    const granted = await this.options.lease({
      tenantId,
      userId,
      windowStartSeconds: state.window * windowSeconds,
      windowSeconds,
      block: blockSize,
      limit: limitPerWindow,
    });
    if (granted) state.leased += blockSize;
    else state.exhausted = true;
  }
}

export class FloodControl {
  constructor(
    readonly connections: TokenBuckets,
    readonly users: SharedBudget,
  ) {}

  /** Admits one message of this connection and user, or throws RATE_LIMITED. */
  async admit(identity: Identity, connectionId: string, nowMs = Date.now()): Promise<void> {
    if (!this.connections.take(connectionId, nowMs)) throw new RateLimitedError('too many messages on this connection; slow down');
    if (!(await this.users.take(identity.tenantId, identity.userId, nowMs))) {
      throw new RateLimitedError('too many messages from this user across their connections; slow down');
    }
  }
}

/**
 * Messages (sendMessage and sendQuickReply share it): per connection 20 a second sustained, bursts of 40
 * (a paste of quick replies); per user 300 per 10-second window over every connection and instance,
 * leased 10 at a time after 5 free ones per instance and window.
 */
export const messageFloodLimits = {
  connection: { ratePerSecond: 20, burst: 40 },
  user: { windowSeconds: 10, limitPerWindow: 300, blockSize: 10, freePerWindow: 5 },
} as const;

export const messageFloodControl = new FloodControl(
  new TokenBuckets(messageFloodLimits.connection),
  new SharedBudget({ ...messageFloodLimits.user, lease: (lease) => leaseMessageBlock(lease) }),
);

function trimOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) return;
    map.delete(oldest);
  }
}
