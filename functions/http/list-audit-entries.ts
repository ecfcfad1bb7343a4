import { listAuditQuery, readAuditLog } from '../../shared/audit/read-audit';
import { httpRoute } from '../../shared/middleware/http-route';

/** GET /v1/audit-entries: the tenant's administrative changes, newest first (admins). */
export const handler = httpRoute({ auth: ['admin'], query: listAuditQuery }, async ({ identity, query }) => ({
  body: await readAuditLog(identity, query),
}));
