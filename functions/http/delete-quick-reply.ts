import { httpRoute } from '../../shared/middleware/http-route';
import { removeQuickReply } from '../../shared/quick-replies/library';
import { libraryRoles } from '../../shared/quick-replies/library-access';
import { libraryQuerySchema, shortcutPathSchema } from '../../shared/quick-replies/schemas';

/** DELETE /v1/quick-replies/{shortcut}?scope=…[&shopId=]: 204, or 404 if the library has no such reply. */
export const handler = httpRoute(
  { auth: libraryRoles, query: libraryQuerySchema, params: shortcutPathSchema },
  async ({ identity, query, params }) => {
    await removeQuickReply(identity, query, params.shortcut);
    return { status: 204 };
  },
);
