import { httpRoute } from '../../shared/middleware/http-route';
import { readRobotSettings } from '../../shared/robot/manage-faq';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/robot-settings: the shop's robot settings (or the default, off) and FAQ version. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams }, async ({ identity, params }) => ({ body: await readRobotSettings(identity, params.shopId) }));
