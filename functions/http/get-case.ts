import { httpRoute } from '../../shared/middleware/http-route';
import { casePathParams } from '../../shared/after-sales/case-frames';
import { getCaseView } from '../../shared/after-sales/case-service';

/** GET /v1/cases/{caseId}: the case with its newest timeline entries. */
export const handler = httpRoute({ auth: ['agent', 'supervisor', 'admin'], params: casePathParams }, async ({ identity, params }) => ({
  body: await getCaseView(identity, params.caseId),
}));
