import { usageQuerySchema } from '../../shared/kpi/frames';
import { tenantUsage, usageCsv } from '../../shared/kpi/usage';
import { httpRoute } from '../../shared/middleware/http-route';

/** GET /v1/usage?from&to&format=csv|json: per shop per day usage and apportioned AWS cost (admins). */
export const handler = httpRoute({ auth: ['admin'], query: usageQuerySchema }, async ({ identity, query }) => {
  const report = await tenantUsage(identity, query);
  if (query.format === 'json') return { body: report };
  return {
    text: { contentType: 'text/csv; charset=utf-8', body: usageCsv(report) },
    headers: { 'content-disposition': `attachment; filename="kefu-usage-${query.from}-${query.to}.csv"` },
  };
});
