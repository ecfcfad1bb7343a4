import { roles } from '../../shared/auth/identity';
import { httpRoute } from '../../shared/middleware/http-route';
import { conversationPathSchema, listMessagesQuerySchema } from '../../shared/conversations/frames';
import { listMessagesOf } from '../../shared/conversations/read-conversations';

/** GET /v1/conversations/{conversationId}/messages?afterSeq=&limit=: a page of the message log, oldest first. */
export const handler = httpRoute(
  { auth: roles, params: conversationPathSchema, query: listMessagesQuerySchema },
  async ({ identity, params, query }) => {
    const { type: _type, ...page } = await listMessagesOf(identity, params.conversationId, query.afterSeq ?? 0, query.limit ?? 50);
    return { body: page };
  },
);
