import type middy from '@middy/core';
import { metrics } from '../runtime/observability';

/**
 * Flushes the invocation's metrics (CloudWatch embedded metric format, one log line) when any were
 * recorded. Powertools' own logMetrics middleware warns on every invocation that recorded none, which
 * is most of them here.
 */
export function publishMetrics(): middy.MiddlewareObj {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
