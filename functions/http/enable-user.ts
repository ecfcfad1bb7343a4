import { httpRoute } from '../../shared/middleware/http-route';
import { enableUser } from '../../shared/people/manage-users';
import { userPathParams } from '../../shared/people/user';

/** POST /v1/users/{userId}/enable: a disabled user takes a seat again and may sign in. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: userPathParams }, async ({ identity, params }) => ({
  body: await enableUser(identity, params.userId),
}));
