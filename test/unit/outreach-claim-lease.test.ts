import { describe, expect, it } from 'vitest';
import { takeoverBoundMs } from '../../shared/outreach/fire-task';
import { queueConsumers, queues } from '../../shared/manifest';
import { deadLetterRetentionDays, visibilityTimeoutSeconds } from '../../shared/queue-settings';
import { claimLeaseMs } from '../../shared/store/outreach';

/**
 * The outreach claim's lease against the outreach queue's timings (docs/outreach-design.md §5 "Fires at most
 * once", §6): a redelivery of a job whose consumer died must find the claim lapsed (else the task stays
 * `sending` until a sweep that never comes), and a consumer still running must not be taken over.
 */
describe('the outreach claim lease and the outreach queue', () => {
  const queue = queues.find((spec) => spec.name === 'outreach')!;
  const consumer = queueConsumers.find((spec) => spec.queue === 'outreach')!;
  const timeoutMs = (consumer.timeoutSeconds ?? 30) * 1000;
  const visibilityMs = visibilityTimeoutSeconds(queue) * 1000;

  it('outlasts the consumer\'s timeout: a live consumer\'s claim is never taken over', () => {
    expect(claimLeaseMs).toBeGreaterThan(timeoutMs);
  });

  it('is shorter than the earliest redelivery (visibility timeout − the consumer\'s timeout, the latest a claim can be made after the receive), so a redelivered job finds the claim lapsed', () => {
    expect(claimLeaseMs).toBeLessThan(visibilityMs - timeoutMs);
  });

  it('the takeover bound covers every automatic redelivery (maxReceiveCount × visibility timeout) and is shorter than the DLQ\'s retention, so only a redrive is past it', () => {
    expect(takeoverBoundMs).toBeGreaterThan(queue.maxReceiveCount * visibilityMs);
    expect(takeoverBoundMs).toBeLessThan(deadLetterRetentionDays * 86_400_000);
  });
});
