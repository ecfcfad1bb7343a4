import { httpRoute } from '../../shared/middleware/http-route';
import { saveQuickReply } from '../../shared/quick-replies/library';
import { libraryRoles } from '../../shared/quick-replies/library-access';
import { libraryQuerySchema, quickReplyBodySchema, shortcutPathSchema } from '../../shared/quick-replies/schemas';

/** PUT /v1/quick-replies/{shortcut}?scope=…[&shopId=]: creates (201) or replaces (200) a reply. */
export const handler = httpRoute(
  { auth: libraryRoles, body: quickReplyBodySchema, query: libraryQuerySchema, params: shortcutPathSchema },
  async ({ identity, body, query, params }) => {
    const { reply, created } = await saveQuickReply(identity, query, params.shortcut, body);
    return { status: created ? 201 : 200, body: reply };
  },
);
