import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';

/**
 * Delivery and routing queues of one test file alone, with the handlers pointed at them: the global
 * queues are shared by every file running at the same time, so a receive there could take another
 * file's job. The handlers' own sqs() client reaches these as it reaches the global ones.
 */
export async function ownQueues(name: string): Promise<{ delivery: string; routing: string }> {
  const suffix = randomUUID().slice(0, 8);
  const create = async (kind: string) => (await sqs().send(new CreateQueueCommand({ QueueName: `${name}-${kind}-${suffix}` }))).QueueUrl!;
  const queues = { delivery: await create('delivery'), routing: await create('routing') };
  process.env.DELIVERY_QUEUE_URL = queues.delivery;
  process.env.ROUTING_QUEUE_URL = queues.routing;
  resetEnvForTests();
  return queues;
}

/** Receives (and deletes) everything currently on a queue; the parsed bodies, in the order received. */
export async function receiveAll(queueUrl: string): Promise<Record<string, unknown>[]> {
  const bodies: Record<string, unknown>[] = [];
  for (;;) {
    const { Messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return bodies;
    for (const message of Messages) {
      bodies.push(JSON.parse(message.Body ?? 'null'));
      await sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}
