import { roles } from '../../shared/auth/identity';
import type { ConnectTicketReply } from '../../shared/contracts/core-schemas';
import { httpRoute } from '../../shared/middleware/http-route';
import { mintConnectTicket } from '../../shared/store/connect-tickets';

/** Mints the single-use ticket a browser puts on its WebSocket URL (wss://…?ticket=…). */
export const handler = httpRoute({ auth: roles }, async ({ identity }) => ({
  status: 201,
  body: (await mintConnectTicket(identity)) satisfies ConnectTicketReply,
}));
