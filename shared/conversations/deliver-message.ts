import type { MessageDeliveryJob } from './jobs';
import type { MessageFrame } from './frames';
import { deleteGoneConnection, listConnectionsOfUser } from '../store/connections';
import { postToConnection } from '../notify/post-to-connection';

export interface DeliverySteps {
  listConnections: (tenantId: string, userId: string) => ReturnType<typeof listConnectionsOfUser>;
  post: (connectionId: string, frame: unknown) => ReturnType<typeof postToConnection>;
  /** A 410's record removed, unless still connecting (store/connections.ts): false when kept. */
  deleteGoneConnection: (tenantId: string, userId: string, connectionId: string) => Promise<boolean>;
}

export const deliverySteps: DeliverySteps = {
  listConnections: (tenantId, userId) => listConnectionsOfUser(tenantId, userId),
  post: (connectionId, frame) => postToConnection(connectionId, frame),
  deleteGoneConnection: (tenantId, userId, connectionId) => deleteGoneConnection(tenantId, userId, connectionId),
};

export interface DeliveryReport {
  sent: number;
  /** Connections found closed (410) and removed: only ever the recipients', each under its own user. */
  removed: number;
}

/**
 * Posts a stored message to every live connection of every recipient of the job (the other side and the
 * supervisors watching, as the sender's head read saw them; never the sender). The only reads are the
 * recipients' connections: 0.5 read units per recipient. A closed connection is removed and the others
 * still receive; any other failure is raised after every connection was tried, so the queue retries the
 * job (recipients who already got it drop the repeat by conversationId + seq).
 */
export async function deliverMessage(job: MessageDeliveryJob, steps: DeliverySteps = deliverySteps): Promise<DeliveryReport> {
  const frame: MessageFrame = { type: 'message', conversationId: job.conversationId, seq: job.message.seq, message: job.message };
  const report: DeliveryReport = { sent: 0, removed: 0 };
  const failures: unknown[] = [];
  const recipients = new Set(job.recipients);
  recipients.delete(job.message.senderId);
  await Promise.all(
    [...recipients].map(async (recipientId) => {
      const connections = await steps.listConnections(job.tenantId, recipientId);
      await Promise.all(
        connections.map(async ({ connectionId }) => {
          try {
            if ((await steps.post(connectionId, frame)) === 'gone') {
              if (await steps.deleteGoneConnection(job.tenantId, recipientId, connectionId)) report.removed++;
            } else report.sent++;
          } catch (error) {
            failures.push(error);
          }
        }),
      );
    }),
  );
  if (failures.length > 0) throw failures[0];
  return report;
}
