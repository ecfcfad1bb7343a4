import { httpRoute } from '../../shared/middleware/http-route';
import { militiaImportBody, militiaImportQuery } from '../../shared/people/frames';
import { importRoster } from '../../shared/people/manage-militia';
import { promoRoles } from '../../shared/promo/manage-promos';

/** POST /v1/militia/imports: a militia roster from CSV (ops, admins); `?dryRun=true` checks every row and writes nothing. */
export const handler = httpRoute(
  { auth: promoRoles, query: militiaImportQuery, body: militiaImportBody, maxBodyBytes: 600 * 1024 },
  async ({ identity, query, body }) => ({ body: await importRoster(identity, body.csv, { dryRun: query.dryRun === 'true' }) }),
);
