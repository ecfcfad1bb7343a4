import type { HttpRouteSpec } from '../manifest';
import { errorBodySchema } from './core-schemas';
import type { HttpContract } from './http-contracts';
import { SchemaComponents, type JsonSchema } from './json-schema';

export const routeKey = (route: Pick<HttpRouteSpec, 'method' | 'path'>) => `${route.method} ${route.path}`;

/** Errors every route of a kind can produce; the generator adds them so contracts list only their own. */
const commonErrors = {
  ValidationFailed: { status: 400, description: 'Bad input, refused before anything was read or written. `details` names each offending field (`body.variants.2`, `query.shopId`, `path.shortcut`).' },
  Unauthorized: { status: 401, description: 'Missing, expired, tampered, wrong-issuer or wrong-audience token. Code UNAUTHORIZED.' },
  Forbidden: { status: 403, description: 'The caller\'s role may not do this. Code FORBIDDEN.' },
  PayloadTooLarge: { status: 413, description: 'Body over 64 KB. Code PAYLOAD_TOO_LARGE.' },
  Internal: { status: 500, description: 'A bug. Code INTERNAL; quote requestId to support. Never caused by client input.' },
  ServiceUnavailable: { status: 503, description: 'A dependency is throttled, slow or down; nothing was done. Code SERVICE_UNAVAILABLE; retry after the `Retry-After` header\'s seconds, then with exponential backoff.' },
} as const;

const description = `kefu's HTTP API: sessions, shops, agents, conversation history, response figures and quick replies.

**Authentication.** Every route except \`GET /health\` takes \`Authorization: Bearer <JWT>\`: an access token from the deployment's identity provider (Cognito user pool in the cloud, the local issuer with \`npm start\`). The token's signature is checked against the issuer's JWKS, and \`iss\`, \`aud\` and \`exp\` are enforced. kefu reads the claims \`sub\` (user id), \`tenant_id\`, \`role\` (\`buyer\`, \`agent\`, \`supervisor\` or \`admin\`) and \`shop_ids\` (the shops an agent or supervisor serves: an array, or a space- or comma-separated string). Tenant, user, role and shops come only from the token: a body or query carrying \`tenantId\`, \`role\`, \`createdAt\` or any other undeclared field is refused with 400.

**Isolation.** An object of another tenant, or of a shop the caller does not serve, gets the same 404 NOT_FOUND as a missing one.

**Errors.** Every 4xx/5xx body is \`{"error":{"code","message","details":[{"field","message"}],"requestId"}}\`. Branch on \`code\`, show \`details\` next to the fields.

**Real-time.** Chat runs over the WebSocket API (docs/asyncapi.yaml); \`POST /v1/connect-tickets\` opens it.`;

/**
 * The OpenAPI 3.1 document of the manifest's HTTP routes, from the contracts' zod schemas. Routes without
 * a contract are left out (the contract test names them).
 */
export function buildOpenApiDocument(
  routes: readonly HttpRouteSpec[],
  contracts: Record<string, HttpContract>,
  version: string,
): Record<string, unknown> {
  const components = new SchemaComponents('#/components/schemas/');
  const errorBody = components.named('ErrorBody', errorBodySchema, 'output');
  const paths: Record<string, Record<string, unknown>> = {};

  for (const route of routes) {
    const contract = contracts[routeKey(route)];
    if (!contract) continue;
    const authenticated = contract.auth !== 'public';
    const parameters = [
      ...parametersOf(contract.path, 'path', components),
      ...parametersOf(contract.query, 'query', components),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(contract.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: components.convert(response.schema, 'output') } } } : {}),
      };
    }
    const implied: (keyof typeof commonErrors)[] = [
      ...(parameters.length > 0 || contract.body ? (['ValidationFailed'] as const) : []),
      ...(authenticated ? (['Unauthorized', 'Forbidden'] as const) : []),
      ...(contract.body ? (['PayloadTooLarge'] as const) : []),
      'Internal',
      'ServiceUnavailable',
    ];
    // A status the contract declares itself (GET /health's 503 carries a Health report) keeps its own body.
    for (const name of implied) responses[String(commonErrors[name].status)] ??= { $ref: `#/components/responses/${name}` };
    for (const error of contract.errors ?? []) {
      responses[String(error.status)] = {
        description: `${error.description} Code${error.codes.length > 1 ? 's' : ''}: ${error.codes.join(', ')}.`,
        content: { 'application/json': { schema: errorBody } },
      };
    }
    const roleText = authenticated ? `\n\nRoles: ${(contract.auth as readonly string[]).join(', ')}.` : '\n\nNo token needed.';
    const example = contract.examples?.find((e) => e.body !== undefined)?.body;
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: lowerFirst(route.name),
      summary: contract.summary,
      description: `${contract.description ?? contract.summary}${roleText}`,
      tags: [contract.tag],
      security: authenticated ? [{ bearer: [] }] : [],
      'x-kefu-roles': authenticated ? [...(contract.auth as readonly string[])] : [],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(contract.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: components.convert(contract.body, 'input'), ...(example !== undefined ? { example } : {}) },
              },
            },
          }
        : {}),
      responses: sortedByStatus(responses),
    };
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: 'kefu HTTP API', version, description },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'A deployed region (the stack output HttpApiUrl).',
        variables: { apiId: { default: 'abc123defg' }, region: { default: 'ap-east-1' } },
      },
      { url: 'http://127.0.0.1:3000', description: 'The local stack (`npm start`).' },
    ],
    security: [{ bearer: [] }],
    tags: [
      { name: 'system' },
      { name: 'session', description: 'Identity and WebSocket connect tickets.' },
      { name: 'shops' },
      { name: 'agents' },
      { name: 'conversations' },
      { name: 'quick replies', description: '快捷回复: phrase libraries per agent, per shop and per tenant.' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'RS256 JWT from the deployment\'s issuer (JWT_ISSUER; its JWKS at JWKS_URI), audience JWT_AUDIENCE. Claims read: `sub`, `tenant_id`, `role` (buyer | agent | supervisor | admin), `shop_ids` (array or space/comma-separated string).',
        },
      },
      responses: Object.fromEntries(
        Object.entries(commonErrors).map(([name, error]) => [
          name,
          {
            description: error.description,
            ...(error.status === 503 ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } } } } : {}),
            content: { 'application/json': { schema: errorBody } },
          },
        ]),
      ),
      schemas: components.schemas,
    },
  };
}

/** OpenAPI wants one parameter per query or path field, each with its own schema. */
function parametersOf(schema: HttpContract['query'], where: 'path' | 'query', components: SchemaComponents): JsonSchema[] {
  if (!schema) return [];
  const converted = components.convert(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(converted.properties ?? {}).map(([name, property]) => {
    const { description: text, ...propertySchema } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (converted.required ?? []).includes(name),
      ...(typeof text === 'string' ? { description: text } : {}),
      schema: propertySchema,
    };
  });
}

function sortedByStatus(responses: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));
}

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
