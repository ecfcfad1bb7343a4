import { deleteConnection, listConnectionsOfUser } from '../store/connections';
import { logger } from '../runtime/observability';
import { postToConnection } from './post-to-connection';

/**
 * Posts a frame to every live connection of a user; a closed connection (410) is removed, only that one.
 * Best effort: what the frame reports is already committed, and clients re-read their state on
 * reconnect, so a failed post is logged, not thrown (a retry of the whole job would repeat other posts).
 */
export async function notifyUserOfFrame(tenantId: string, userId: string, frame: { type: string }): Promise<void> {
  try {
    const connections = await listConnectionsOfUser(tenantId, userId);
    await Promise.all(
      connections.map(async ({ connectionId }) => {
        if ((await postToConnection(connectionId, frame)) === 'gone') await deleteConnection(tenantId, userId, connectionId);
      }),
    );
  } catch (error) {
    logger.warn('notification not delivered', { frameType: frame.type, error: error as Error });
  }
}
