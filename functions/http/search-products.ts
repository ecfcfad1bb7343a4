import { searchProductsQuery } from '../../shared/catalogue/product';
import { searchProducts } from '../../shared/catalogue/search-products';
import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/products?sku=&q=: the shop's agents look products up from a conversation. */
export const handler = httpRoute(
  { auth: ['agent', 'supervisor', 'admin'], params: shopPathParams, query: searchProductsQuery },
  async ({ identity, params, query }) => ({ body: await searchProducts(identity, params.shopId, query) }),
);
