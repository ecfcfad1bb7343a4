import { httpRoute } from '../../shared/middleware/http-route';
import { listMyCasesQuery } from '../../shared/after-sales/case-frames';
import { listMyCases } from '../../shared/after-sales/case-service';

/** GET /v1/me/cases: the caller's unfinished cases, soonest SLA first. */
export const handler = httpRoute({ auth: ['agent', 'supervisor', 'admin'], query: listMyCasesQuery }, async ({ identity, query }) => ({
  body: await listMyCases(identity, query),
}));
