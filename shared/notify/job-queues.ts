import { robotWaitCheckSchema, type RobotWaitCheck } from '../robot/wait-check';
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { deliveryJobSchema, routeJobSchema, type DeliveryJob, type RouteJob } from '../conversations/jobs';
import { roundCheckSchema, type RoundCheck } from '../service-clock/rounds';
import { catalogueBatchJobSchema, type CatalogueBatchJob } from '../catalogue/import-job';
import { userBatchJobSchema, type UserBatchJob } from '../people/user';
import { orderEventMessageSchema, type OrderEventMessage } from '../orders/order-event-message';
import { outreachJobSchema, type OutreachJob } from '../outreach/jobs';
import { recomputeJobSchema, type RecomputeJob } from '../kpi/recompute-job';
import { sqs } from '../runtime/clients';
import { env } from '../runtime/env';

/**
 * Producers of the delivery and routing jobs. Jobs are parsed before sending, so a consumer never sees a
 * body its own schema would refuse.
 */

function queueUrl(name: 'DELIVERY_QUEUE_URL' | 'ROUTING_QUEUE_URL' | 'ORDERS_QUEUE_URL' | 'ROUNDS_QUEUE_URL' | 'IMPORTS_QUEUE_URL' | 'OUTREACH_QUEUE_URL' | 'RECOMPUTE_QUEUE_URL'): string {
  const url = env()[name];
  if (!url) throw new Error(`${name} is not set for this handler`);
  return url;
}

/**
 * SQS accepts only XML characters in a body (no U+FFFE/U+FFFF, no C0 controls), and some SQS emulators
 * refuse anything above U+FFFD, emoji included. JSON with every non-ASCII character escaped as \uXXXX
 * parses to the same value and passes everywhere.
 */
export function toQueueBody(job: unknown): string {
  return JSON.stringify(job).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export async function sendDeliveryJob(job: DeliveryJob, client: SQSClient = sqs()): Promise<void> {
  const body = deliveryJobSchema.parse(job);
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl('DELIVERY_QUEUE_URL'), MessageBody: toQueueBody(body) }));
}

export async function sendRouteJob(job: RouteJob, client: SQSClient = sqs()): Promise<void> {
  const body = routeJobSchema.parse(job);
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl('ROUTING_QUEUE_URL'), MessageBody: toQueueBody(body) }));
}

/**
 * Puts accepted order events on the `orders` queue, up to 10 per SQS call. Returns the messageIds whose
 * enqueue succeeded and those that failed, so a pull connector confirms only what is safely queued
 * (issue 7 §1) and a webhook answers 5xx (the platform retries) if anything failed.
 */
export async function sendOrderEvents(
  messages: readonly OrderEventMessage[],
  client: SQSClient = sqs(),
): Promise<{ sent: string[]; failed: string[] }> {
  const sent: string[] = [];
  const failed: string[] = [];
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10).map((m) => orderEventMessageSchema.parse(m));
    const entries = chunk.map((m, i) => ({ Id: String(i), MessageBody: toQueueBody(m) }));
    try {
      const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl('ORDERS_QUEUE_URL'), Entries: entries }));
      for (const ok of out.Successful ?? []) sent.push(chunk[Number(ok.Id)]!.envelope.messageId);
      for (const bad of out.Failed ?? []) failed.push(chunk[Number(bad.Id)]!.envelope.messageId);
    } catch {
      // The whole call failed (throttled, network): nothing of this chunk is known to be queued.
      failed.push(...chunk.map((m) => m.envelope.messageId));
    }
  }
  return { sent, failed };
}

/** A response-clock check, held back `delaySeconds` (0-900) by SQS until its round's instant. */
export async function sendRoundCheck(check: RoundCheck, delaySeconds: number, client: SQSClient = sqs()): Promise<void> {
  const body = roundCheckSchema.parse(check);
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl('ROUNDS_QUEUE_URL'), MessageBody: toQueueBody(body), DelaySeconds: delaySeconds }));
}

/** Puts an import's batches on the `imports` queue, a few at a time; a failure throws (the client retries the import, batches are idempotent). */
export async function sendCatalogueBatches(jobs: readonly CatalogueBatchJob[], client: SQSClient = sqs()): Promise<void> {
  await sendImportBodies(jobs.map((job) => toQueueBody(catalogueBatchJobSchema.parse(job))), client);
}

/** Batches of an asynchronous user import (shared/people/manage-users.ts) on the same `imports` queue. */
export async function sendUserImportBatches(jobs: readonly UserBatchJob[], client: SQSClient = sqs()): Promise<void> {
  await sendImportBodies(jobs.map((job) => toQueueBody(userBatchJobSchema.parse(job))), client);
}

async function sendImportBodies(bodies: readonly string[], client: SQSClient): Promise<void> {
  const url = queueUrl('IMPORTS_QUEUE_URL');
  for (let start = 0; start < bodies.length; start += 8) {
    await Promise.all(bodies.slice(start, start + 8).map((body) => client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }))));
  }
}

/**
 * Puts outreach jobs on the `outreach` queue, 10 per SQS call, all chunks at once. Returns the jobs whose
 * enqueue failed (the sweep keeps their index entries, so the next run takes them again).
 */
export async function sendOutreachJobs(jobs: readonly OutreachJob[], delaySeconds = 0, client: SQSClient = sqs()): Promise<{ failed: OutreachJob[] }> {
  const url = queueUrl('OUTREACH_QUEUE_URL');
  const chunks: OutreachJob[][] = [];
  for (let start = 0; start < jobs.length; start += 10) chunks.push(jobs.slice(start, start + 10).map((job) => outreachJobSchema.parse(job)));
  const failed: OutreachJob[] = [];
  await Promise.all(
    chunks.map(async (chunk) => {
      try {
        const out = await client.send(
          new SendMessageBatchCommand({ QueueUrl: url, Entries: chunk.map((job, i) => ({ Id: String(i), MessageBody: toQueueBody(job), ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}) })) }),
        );
        for (const bad of out.Failed ?? []) failed.push(chunk[Number(bad.Id)]!);
      } catch {
        failed.push(...chunk);
      }
    }),
  );
  return { failed };
}

/** The FAQ robot's "nobody has joined yet" check after a hand-off (issue 8 §3), held back on the rounds queue. */
export async function sendRobotWaitCheck(check: RobotWaitCheck, delaySeconds: number, client: SQSClient = sqs()): Promise<void> {
  const body = robotWaitCheckSchema.parse(check);
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl('ROUNDS_QUEUE_URL'), MessageBody: toQueueBody(body), DelaySeconds: Math.max(0, Math.min(900, delaySeconds)) }));
}

/** Pages of attribution recomputes (shared/kpi/recompute-attribution.ts), 10 per SQS call; throws unless every job was sent (the caller is retried). */
export async function sendRecomputeJobs(jobs: readonly RecomputeJob[], client: SQSClient = sqs()): Promise<void> {
  const url = queueUrl('RECOMPUTE_QUEUE_URL');
  for (let start = 0; start < jobs.length; start += 10) {
    const chunk = jobs.slice(start, start + 10).map((job) => recomputeJobSchema.parse(job));
    const out = await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: chunk.map((job, i) => ({ Id: String(i), MessageBody: toQueueBody(job) })) }));
    if ((out.Failed ?? []).length > 0) throw new Error(`${out.Failed!.length} recompute jobs were not enqueued: ${out.Failed![0]!.Code}`);
  }
}
