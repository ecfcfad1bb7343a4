import { httpRoute } from '../../shared/middleware/http-route';
import { disableUser } from '../../shared/people/manage-users';
import { userPathParams } from '../../shared/people/user';

/** POST /v1/users/{userId}/disable: refuses the user's tokens at once, closes their sockets, re-queues their conversations. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: userPathParams }, async ({ identity, params }) => ({
  body: await disableUser(identity, params.userId),
}));
