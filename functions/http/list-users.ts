import { httpRoute } from '../../shared/middleware/http-route';
import { listTenantUsers } from '../../shared/people/manage-users';
import { listUsersQuery } from '../../shared/people/user';

/** GET /v1/users: the tenant's users (a supervisor: the agents of their shops). */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], query: listUsersQuery }, async ({ identity, query }) => ({
  body: await listTenantUsers(identity, query),
}));
