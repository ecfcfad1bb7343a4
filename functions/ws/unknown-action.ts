import { z } from 'zod';
import { roles } from '../../shared/auth/identity';
import { ValidationError } from '../../shared/http/errors';
import { wsRoute } from '../../shared/middleware/ws-route';

/**
 * $default: a frame whose `action` matches no route. The reply names the field, and the connection
 * stays open.
 */
export const handler = wsRoute({ frame: z.unknown(), roles }, async ({ frame }) => {
  const action = (frame as { action?: unknown } | null)?.action;
  if (action === undefined) {
    throw new ValidationError('frame has no action', [{ field: 'action', message: 'required' }]);
  }
  throw new ValidationError(`unknown action`, [{ field: 'action', message: `no such action: ${String(action).slice(0, 64)}` }]);
});
