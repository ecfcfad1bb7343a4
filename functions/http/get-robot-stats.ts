import { httpRoute } from '../../shared/middleware/http-route';
import { robotStatsQuerySchema } from '../../shared/robot/faq';
import { readRobotStats } from '../../shared/robot/manage-faq';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/robot-stats?from=&to=: the robot's resolution and transfer rates per day. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams, query: robotStatsQuerySchema }, async ({ identity, params, query }) => ({
  body: await readRobotStats(identity, params.shopId, query),
}));
