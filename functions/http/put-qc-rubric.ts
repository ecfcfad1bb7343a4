import { httpRoute } from '../../shared/middleware/http-route';
import { putRubric } from '../../shared/qc/manage-qc';
import { putRubricBody, rubricPathParams } from '../../shared/qc/rubric';

/** PUT /v1/shops/{shopId}/qc/rubrics/{stage}: the shop's QC rubric of one stage, replaced whole (weights sum to 100). */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: rubricPathParams, body: putRubricBody }, async ({ identity, params, body }) => ({
  body: await putRubric(identity, params.shopId, params.stage, body),
}));
