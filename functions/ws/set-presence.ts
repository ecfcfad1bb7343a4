import { wsRoute } from '../../shared/middleware/ws-route';
import { setPresenceFrame, type PresenceAckFrame } from '../../shared/routing/frames';
import { setPresence } from '../../shared/routing/presence';

/** An agent goes online, away or offline; going online sends their shops' waiting conversations to routing. */
export const handler = wsRoute({ frame: setPresenceFrame, roles: ['agent', 'supervisor'] }, async ({ frame, identity }): Promise<PresenceAckFrame> => ({
  type: 'ack',
  action: 'setPresence',
  ...(await setPresence(identity, frame.presence)),
}));
