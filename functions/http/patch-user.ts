import { httpRoute } from '../../shared/middleware/http-route';
import { patchUser } from '../../shared/people/manage-users';
import { patchUserBody, userPathParams } from '../../shared/people/user';

/** PATCH /v1/users/{userId}: re-role or re-shop a user (admins only). */
export const handler = httpRoute({ auth: ['admin'], params: userPathParams, body: patchUserBody }, async ({ identity, params, body }) => ({
  body: await patchUser(identity, params.userId, body),
}));
