import { httpRoute } from '../../shared/middleware/http-route';
import { inviteUser } from '../../shared/people/manage-users';
import { inviteUserBody } from '../../shared/people/user';

/** POST /v1/users: invites a staff user (admins any role; supervisors agents of their shops). */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], body: inviteUserBody }, async ({ identity, body }) => ({
  status: 201,
  body: await inviteUser(identity, body),
}));
