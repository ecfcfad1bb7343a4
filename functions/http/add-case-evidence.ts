import { httpRoute } from '../../shared/middleware/http-route';
import { casePathParams, evidenceBody } from '../../shared/after-sales/case-frames';
import { addEvidenceByUser } from '../../shared/after-sales/case-service';

/** POST /v1/cases/{caseId}/evidence: a link to evidence kept elsewhere (photos, carrier proof). */
export const handler = httpRoute(
  { auth: ['agent', 'supervisor', 'admin'], params: casePathParams, body: evidenceBody },
  async ({ identity, params, body }) => ({ status: 201, body: await addEvidenceByUser(identity, params.caseId, body, new Date()) }),
);
