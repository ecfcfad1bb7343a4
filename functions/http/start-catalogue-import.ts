import { startCatalogueImport } from '../../shared/catalogue/import-catalogue';
import { catalogueImportBody, maxCatalogueBodyBytes } from '../../shared/catalogue/product';
import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';

/** POST /v1/shops/{shopId}/catalogue-imports: checks a catalogue file; a good one is imported asynchronously (202, poll it). */
export const handler = httpRoute(
  { auth: ['admin', 'supervisor'], params: shopPathParams, body: catalogueImportBody, maxBodyBytes: maxCatalogueBodyBytes },
  async ({ identity, params, body }) => startCatalogueImport(identity, params.shopId, body),
);
