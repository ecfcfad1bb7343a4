import { roles } from '../../shared/auth/identity';
import type { Me } from '../../shared/contracts/core-schemas';
import { httpRoute } from '../../shared/middleware/http-route';

/** Who the token says the caller is: lets a client check its sign-in before opening a socket. */
export const handler = httpRoute({ auth: roles }, async ({ identity }) => ({ body: identity satisfies Me }));
