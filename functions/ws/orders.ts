import { wsRoute } from '../../shared/middleware/ws-route';
import { ordersFrame } from '../../shared/orders/frames';
import { orderCardsOfConversation } from '../../shared/orders/read-orders';

/** Staff ask for the order cards of a conversation's buyer at its shop. */
export const handler = wsRoute({ frame: ordersFrame, roles: ['agent', 'supervisor', 'admin'] }, async ({ frame, identity }) =>
  orderCardsOfConversation(identity, frame.conversationId),
);
