import { httpRoute } from '../../shared/middleware/http-route';
import { importQuickReplies, quickReplyImportBody } from '../../shared/quick-replies/import-quick-replies';
import { libraryQuerySchema } from '../../shared/quick-replies/schemas';
import { libraryRoles } from '../../shared/quick-replies/library-access';

/** POST /v1/quick-reply-imports?scope=&shopId=: a library from CSV or JSON, all rows checked first (dryRun lists the errors). */
export const handler = httpRoute(
  { auth: libraryRoles, query: libraryQuerySchema, body: quickReplyImportBody, maxBodyBytes: 2 * 1024 * 1024 },
  async ({ identity, query, body }) => ({ body: await importQuickReplies(identity, query, body) }),
);
