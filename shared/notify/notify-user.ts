import { logger } from '../runtime/observability';
import { postFrameToUser } from './post-to-user';

/**
 * Posts a frame to every live connection of a user, best effort: what the frame reports is already
 * committed and clients re-read their state on reconnect, so a failed post is logged, not thrown (a retry
 * of the whole job would repeat the other recipients' posts).
 */
export async function notifyUserOfFrame(tenantId: string, userId: string, frame: { type: string }): Promise<void> {
  try {
    await postFrameToUser(tenantId, userId, frame);
  } catch (error) {
    logger.warn('notification not delivered', { frameType: frame.type, error: error as Error });
  }
}
