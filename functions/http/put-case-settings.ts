import { httpRoute } from '../../shared/middleware/http-route';
import { shopCasesPathParams } from '../../shared/after-sales/case-frames';
import { putCaseSettingsFor } from '../../shared/after-sales/case-service';
import { caseSettingsBody } from '../../shared/after-sales/case-settings';

/** PUT /v1/shops/{shopId}/case-settings: replaces the shop's after-sales settings (omitted fields take the defaults). */
export const handler = httpRoute(
  { auth: ['supervisor', 'admin'], params: shopCasesPathParams, body: caseSettingsBody },
  async ({ identity, params, body }) => ({ body: await putCaseSettingsFor(identity, params.shopId, body, new Date()) }),
);
