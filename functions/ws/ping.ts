import { roles } from '../../shared/auth/identity';
import { pingFrameSchema, type PongFrame } from '../../shared/contracts/core-schemas';
import { wsRoute } from '../../shared/middleware/ws-route';

/** Keeps a connection from hitting API Gateway's 10-minute idle cut-off, and lets clients measure latency. */
export const handler = wsRoute(
  { frame: pingFrameSchema, roles },
  async (): Promise<PongFrame> => ({ type: 'pong', serverTime: new Date().toISOString() }),
);
