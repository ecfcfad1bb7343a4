import { postFrameToUser } from '../notify/post-to-user';
import { logger } from '../runtime/observability';
import type { CaseFrame } from './case-frames';

/** Pushes a case frame to users; tests pass a recorder. */
export type NotifyCaseUsers = (tenantId: string, userIds: readonly string[], frame: CaseFrame) => Promise<void>;

/**
 * Posts a case frame to every live connection of each user, the way routing frames reach agents today
 * (routing/notify.ts): one Query of the user's connections, a post per connection, a closed one (410)
 * removed. Best effort, after the change is stored: the change is already visible in the owner's case
 * list and the overdue list, so a failed post is logged, not retried (a retry could only repeat frames).
 * Connections are read on the real clock, whatever clock the sweep runs on.
 */
export const notifyCaseUsers: NotifyCaseUsers = async (tenantId, userIds, frame) => {
  await Promise.all(
    [...new Set(userIds)].map(async (userId) => {
      try {
        await postFrameToUser(tenantId, userId, frame);
      } catch (error) {
        logger.warn('case notification not delivered', { frameType: frame.type, error: error as Error });
      }
    }),
  );
};
