import { httpRoute } from '../../shared/middleware/http-route';
import { listLibrary } from '../../shared/quick-replies/library';
import { libraryRoles } from '../../shared/quick-replies/library-access';
import { listQuickRepliesQuerySchema } from '../../shared/quick-replies/schemas';

/** GET /v1/quick-replies?scope=agent|shop|tenant[&shopId=][&limit=][&cursor=]: one page of a library. */
export const handler = httpRoute({ auth: libraryRoles, query: listQuickRepliesQuerySchema }, async ({ identity, query }) => ({
  body: await listLibrary(identity, query),
}));
