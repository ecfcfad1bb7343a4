import { roles } from '../../shared/auth/identity';
import { wsRoute } from '../../shared/middleware/ws-route';
import { markReadFrameSchema } from '../../shared/conversations/frames';
import { markRead } from '../../shared/conversations/read-conversations';

/** markRead: moves the caller side's read pointer forward (unread counts in the inbox). */
export const handler = wsRoute({ frame: markReadFrameSchema, roles }, async ({ frame, identity }) => markRead(identity, frame));
