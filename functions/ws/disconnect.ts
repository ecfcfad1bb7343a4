import { wsConnectionRoute } from '../../shared/middleware/ws-route';
import { deleteConnection } from '../../shared/store/connections';

/** Best effort: API Gateway may never send $disconnect, so connection records also expire by TTL. */
export const handler = wsConnectionRoute({ withoutIdentity: { statusCode: 200 } }, async ({ identity, connectionId }) => {
  await deleteConnection(identity.tenantId, identity.userId, connectionId);
  return { statusCode: 200 };
});
