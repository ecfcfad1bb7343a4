/**
 * A token bucket per WebSocket connection, held in the handler's memory. In the cloud each Lambda
 * container keeps its own buckets, so a connection spread over several warm containers gets up to that
 * many buckets: this is best effort per container. The stage's route throttle (API Gateway) bounds the
 * total; together they keep one flooding connection from starving the rest.
 */
export interface FloodControlOptions {
  ratePerSecond: number;
  burst: number;
  /** Buckets kept at most; the least recently used are dropped (a dropped bucket starts full). */
  maxConnections?: number;
}

export class FloodControl {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly options: FloodControlOptions) {}

  /** Takes one token for the connection; false when it has none left. */
  take(connectionId: string, nowMs = Date.now()): boolean {
    const { ratePerSecond, burst } = this.options;
    const previous = this.buckets.get(connectionId);
    const tokens = previous ? Math.min(burst, previous.tokens + ((nowMs - previous.at) / 1000) * ratePerSecond) : burst;
    // Re-insert so Map order stays least recently used first.
    this.buckets.delete(connectionId);
    const allowed = tokens >= 1;
    this.buckets.set(connectionId, { tokens: allowed ? tokens - 1 : tokens, at: nowMs });
    const max = this.options.maxConnections ?? 10_000;
    if (this.buckets.size > max) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return allowed;
  }
}

/** sendMessage: 20 messages a second sustained, bursts of 40 (a paste of quick replies). */
export const sendMessageFloodControl = new FloodControl({ ratePerSecond: 20, burst: 40 });
