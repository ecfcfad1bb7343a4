import { postFrameToUser } from '../notify/post-to-user';
import { logger } from '../runtime/observability';
import type { RoutingFrame } from './frames';

/** Sends a routing frame to one user; tests pass a recorder. */
export type NotifyUser = (tenantId: string, userId: string, frame: RoutingFrame) => Promise<void>;

/**
 * Posts a frame to every live connection of a user; a closed connection (410) is removed, only that one.
 * Best effort: the ownership change it reports is already committed, a retry of the whole job would find
 * nothing left to do, and clients re-read their open list on reconnect, so a failed post is logged, not
 * thrown.
 */
export const notifyUser: NotifyUser = async (tenantId, userId, frame) => {
  try {
    await postFrameToUser(tenantId, userId, frame);
  } catch (error) {
    logger.warn('routing notification not delivered', { frameType: frame.type, error: error as Error });
  }
};
