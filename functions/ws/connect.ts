import { admitConnection, maxSocketsPerUser } from '../../shared/conversations/socket-cap';
import { wsConnectionRoute } from '../../shared/middleware/ws-route';
import { deleteConnection, listLiveConnectionsConsistently, saveConnection } from '../../shared/store/connections';
import { recordShopSupervisor } from '../../shared/store/shop-supervisors';
import { logger } from '../../shared/runtime/observability';

const connectionStore = { save: saveConnection, listLive: listLiveConnectionsConsistently, remove: deleteConnection };

/**
 * $connect runs only after the authorizer allowed the ticket; it records the connection for fan-out,
 * unless the user already holds 20 live sockets: then the handshake is refused with 429.
 */
export const handler = wsConnectionRoute({ withoutIdentity: { statusCode: 401 } }, async ({ identity, connectionId }) => {
  if (await admitConnection(identity, connectionId, connectionStore)) {
    // Supervisors are filed under their shops so a shop's live alerts (response.at-risk) find them.
    if (identity.role === 'supervisor' && identity.shopIds.length > 0) {
      await recordShopSupervisor(identity.tenantId, identity.userId, identity.shopIds).catch((error: Error) =>
        logger.warn('supervisor not filed under their shops', { userId: identity.userId, error }),
      );
    }
    return { statusCode: 200 };
  }
  logger.info('connect refused', { reason: `user already holds ${maxSocketsPerUser} live sockets`, userId: identity.userId });
  return { statusCode: 429 };
});
