import { wsRoute } from '../../shared/middleware/ws-route';
import { setPresenceFrame, type PresenceAckFrame } from '../../shared/routing/frames';
import { setPresence } from '../../shared/routing/presence';
import { assignWaitingCasesOnline } from '../../shared/after-sales/assign-on-presence';

/**
 * An agent goes online, away or offline; going online sends their shops' waiting conversations to routing
 * and gives them the oldest unowned after-sales cases of their shops (best effort, after the ack's facts).
 */
export const handler = wsRoute({ frame: setPresenceFrame, roles: ['agent', 'supervisor'] }, async ({ frame, identity }): Promise<PresenceAckFrame> => {
  const result = await setPresence(identity, frame.presence);
  if (result.presence === 'online') await assignWaitingCasesOnline(identity.tenantId, identity.userId);
  return { type: 'ack', action: 'setPresence', ...result };
});
