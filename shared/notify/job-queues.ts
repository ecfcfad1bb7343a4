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

export async function sendDeliveryJob(job: DeliveryJob, client: SQSClient = sqs()): Promise<void> {
  const body = deliveryJobSchema.parse(job);
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl('DELIVERY_QUEUE_URL'), MessageBody: JSON.stringify(body) }));
}

export async function sendRouteJob(job: RouteJob, client: SQSClient = sqs()): Promise<void> {
  const body = routeJobSchema.parse(job);
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl('ROUTING_QUEUE_URL'), MessageBody: JSON.stringify(body) }));
}
