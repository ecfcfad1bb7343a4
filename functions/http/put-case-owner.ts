import { httpRoute } from '../../shared/middleware/http-route';
import { casePathParams, ownerBody } from '../../shared/after-sales/case-frames';
import { changeOwnerBySupervisor } from '../../shared/after-sales/case-service';

/** PUT /v1/cases/{caseId}/owner: a supervisor of the shop gives the case to an agent of the shop. */
export const handler = httpRoute(
  { auth: ['supervisor', 'admin'], params: casePathParams, body: ownerBody },
  async ({ identity, params, body }) => ({ body: await changeOwnerBySupervisor(identity, params.caseId, body.ownerId, new Date()) }),
);
