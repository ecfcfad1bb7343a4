import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';
import { setResponsePolicy } from '../../shared/service-clock/manage-policy';
import { putResponsePolicyBody } from '../../shared/service-clock/policy';

/** PUT /v1/shops/{shopId}/response-policy: the shop's response clock (zone, service hours, target, at-risk point). */
export const handler = httpRoute(
  { auth: ['admin', 'supervisor'], params: shopPathParams, body: putResponsePolicyBody },
  async ({ identity, params, body }) => ({ body: await setResponsePolicy(identity, params.shopId, body) }),
);
