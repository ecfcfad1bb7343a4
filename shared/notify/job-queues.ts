import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { deliveryJobSchema, routeJobSchema, type DeliveryJob, type RouteJob } from '../conversations/jobs';
import { sqs } from '../runtime/clients';
import { env } from '../runtime/env';

/**
 * Producers of the delivery and routing jobs. Jobs are parsed before sending, so a consumer never sees a
 * body its own schema would refuse.
 */

function queueUrl(name: 'DELIVERY_QUEUE_URL' | 'ROUTING_QUEUE_URL'): string {
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
