import { httpRoute } from '../../shared/middleware/http-route';
import { importUsers } from '../../shared/people/manage-users';
import { userImportBody, userImportQuery } from '../../shared/people/user';

/**
 * POST /v1/user-imports: users from CSV (admins); `?dryRun=true` checks every row and writes nothing. A
 * file over asyncUserImportRows is checked here and written by the imports queue's consumer (202).
 */
export const handler = httpRoute(
  { auth: ['admin'], query: userImportQuery, body: userImportBody, maxBodyBytes: 2 * 1024 * 1024 + 64 * 1024 },
  async ({ identity, query, body }) => {
    const outcome = await importUsers(identity, body.csv, { dryRun: query.dryRun === 'true' });
    return outcome.accepted ? { status: 202, body: outcome.progress } : { body: outcome.result };
  },
);
