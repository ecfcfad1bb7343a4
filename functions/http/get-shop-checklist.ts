import { httpRoute } from '../../shared/middleware/http-route';
import { shopChecklist } from '../../shared/onboarding/checklist';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/checklist: what the shop still lacks before it can go live. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams }, async ({ identity, params }) => ({
  body: await shopChecklist(identity, params.shopId),
}));
