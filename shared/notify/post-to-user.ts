import { deleteGoneConnection, listConnectionsOfUser } from '../store/connections';
import { postToConnection } from './post-to-connection';

/**
 * Posts a frame to every live connection of a user (an agent may have several tabs); a closed connection
 * (410) is removed, only that one, unless it is still connecting (store/connections.ts). Connections are read on the real clock. Throws what the reads or posts
 * throw: the callers decide whether that is worth a retry.
 */
export async function postFrameToUser(tenantId: string, userId: string, frame: { type: string }): Promise<void> {
  const connections = await listConnectionsOfUser(tenantId, userId);
  await Promise.all(
    connections.map(async ({ connectionId }) => {
      if ((await postToConnection(connectionId, frame)) === 'gone') await deleteGoneConnection(tenantId, userId, connectionId);
    }),
  );
}
