import { httpRoute } from '../../shared/middleware/http-route';
import { readUserImport } from '../../shared/people/manage-users';
import { userImportPathParams } from '../../shared/people/user';

/** GET /v1/user-imports/{importId}: a large user import's progress (admins). */
export const handler = httpRoute({ auth: ['admin'], params: userImportPathParams }, async ({ identity, params }) => ({
  body: await readUserImport(identity, params.importId),
}));
