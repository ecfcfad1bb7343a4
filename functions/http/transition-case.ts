import { httpRoute } from '../../shared/middleware/http-route';
import { casePathParams, transitionBody } from '../../shared/after-sales/case-frames';
import { transitionCaseByUser } from '../../shared/after-sales/case-service';

/** POST /v1/cases/{caseId}/transitions: the owner or a supervisor moves the case (409 with the state machine's code when not allowed). */
export const handler = httpRoute(
  { auth: ['agent', 'supervisor', 'admin'], params: casePathParams, body: transitionBody },
  async ({ identity, params, body }) => ({ body: await transitionCaseByUser(identity, params.caseId, body, new Date()) }),
);
