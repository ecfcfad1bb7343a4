import { z } from 'zod';
import { roles } from '../../shared/auth/identity';
import { wsRoute } from '../../shared/middleware/ws-route';

/** Keeps a connection from hitting API Gateway's 10-minute idle cut-off, and lets clients measure latency. */
export const handler = wsRoute(
  { frame: z.object({ action: z.literal('ping'), ref: z.string().max(64).optional() }), roles },
  async ({ frame }) => ({ type: 'pong', ref: frame.ref, serverTime: new Date().toISOString() }),
);
