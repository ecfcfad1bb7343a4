import { httpRoute } from '../../shared/middleware/http-route';
import { casePathParams, retentionBody } from '../../shared/after-sales/case-frames';
import { recordRetentionByUser } from '../../shared/after-sales/case-service';

/** POST /v1/cases/{caseId}/retention: the agent tried to keep the refund; a later close by the buyer counts as retained. */
export const handler = httpRoute(
  { auth: ['agent', 'supervisor', 'admin'], params: casePathParams, body: retentionBody },
  async ({ identity, params, body }) => ({ status: 201, body: await recordRetentionByUser(identity, params.caseId, body.note, new Date()) }),
);
