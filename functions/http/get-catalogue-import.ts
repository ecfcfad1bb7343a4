import { readCatalogueImport } from '../../shared/catalogue/import-catalogue';
import { catalogueImportPath } from '../../shared/catalogue/product';
import { httpRoute } from '../../shared/middleware/http-route';

/** GET /v1/shops/{shopId}/catalogue-imports/{importId}: an import's progress. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: catalogueImportPath }, async ({ identity, params }) => ({
  body: await readCatalogueImport(identity, params.shopId, params.importId),
}));
