import { httpRoute } from '../../shared/middleware/http-route';
import { readRubric } from '../../shared/qc/manage-qc';
import { rubricPathParams } from '../../shared/qc/rubric';

/** GET /v1/shops/{shopId}/qc/rubrics/{stage}: one stage's rubric. */
export const handler = httpRoute({ auth: ['admin', 'supervisor', 'qc'], params: rubricPathParams }, async ({ identity, params }) => ({
  body: await readRubric(identity, params.shopId, params.stage),
}));
