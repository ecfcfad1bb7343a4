import { roles } from '../../shared/auth/identity';
import type { ConnectTicketReply } from '../../shared/contracts/core-schemas';
import { httpRoute } from '../../shared/middleware/http-route';
import { assertAccountActive } from '../../shared/people/manage-militia';
import { mintConnectTicket } from '../../shared/store/connect-tickets';

/**
 * Mints the single-use ticket a browser puts on its WebSocket URL (wss://…?ticket=…). A militia member
 * outside their window gets none (403 ACCOUNT_EXPIRED).
 */
export const handler = httpRoute({ auth: roles }, async ({ identity }) => {
  await assertAccountActive(identity);
  return { status: 201, body: (await mintConnectTicket(identity)) satisfies ConnectTicketReply };
});
