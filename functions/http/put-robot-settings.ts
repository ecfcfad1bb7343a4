import { httpRoute } from '../../shared/middleware/http-route';
import { robotSettingsBodySchema } from '../../shared/robot/faq';
import { setRobotSettings } from '../../shared/robot/manage-faq';
import { shopPathParams } from '../../shared/routing/frames';

/** PUT /v1/shops/{shopId}/robot-settings: when the FAQ robot answers first, its threshold and hand-off rules. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams, body: robotSettingsBodySchema }, async ({ identity, params, body }) => ({
  body: await setRobotSettings(identity, params.shopId, body),
}));
