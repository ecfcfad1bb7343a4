import { httpRoute } from '../../shared/middleware/http-route';
import { promoPhasePathParams } from '../../shared/promo/calendar';
import { promoRoles, triggerPromoPhase } from '../../shared/promo/manage-promos';

/** POST /v1/promos/{promoId}/phases/{phaseId}/trigger: start a phase now (audited; a second trigger changes nothing). */
export const handler = httpRoute({ auth: promoRoles, params: promoPhasePathParams }, async ({ identity, params }) => ({
  body: await triggerPromoPhase(identity, params.promoId, params.phaseId),
}));
