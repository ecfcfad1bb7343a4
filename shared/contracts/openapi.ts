import type { HttpRouteSpec } from '../manifest';
import { errorBodySchema, gatewayErrorSchemas } from './core-schemas';
import type { HttpContract } from './http-contracts';
import { SchemaComponents, type JsonSchema } from './json-schema';

export const routeKey = (route: Pick<HttpRouteSpec, 'method' | 'path'>) => `${route.method} ${route.path}`;

/**
 * Errors every route of a kind can produce; the generator adds them so contracts list only their own.
 * Each lists who writes the body: kefu's handler (`error`) or API Gateway itself (`gateway…`), since a
 * client gets both and must parse both.
 */
type Writer = 'error' | keyof typeof gatewayErrorSchemas;
const commonErrors = {
  ValidationFailed: {
    status: 400,
    writers: ['error'],
    description: 'Bad input, refused before anything was read or written: a malformed value, or a query parameter or body field the operation does not declare. `details` names each offending field (`body.variants.2`, `query.tenantId`, `path.shortcut`).',
  },
  Unauthorized: {
    status: 401,
    writers: ['unauthorized', 'error'],
    description: "Usually API Gateway's JWT authorizer: `{\"message\":\"Unauthorized\"}` with a `www-authenticate` header, for a missing, expired, tampered, wrong-issuer or wrong-audience token. A verified token without kefu's claims (`tenant_id`, `role`) gets kefu's error body, code UNAUTHORIZED.",
  },
  Forbidden: {
    status: 403,
    writers: ['error'],
    description: "The caller's role may not do this: code FORBIDDEN. Or the caller's tenant has been deleted (restorable by the platform operator until its purge): code TENANT_DELETED.",
  },
  PayloadTooLarge: {
    status: 413,
    writers: ['error', 'payloadTooLarge'],
    description: "Body over 64 KB: code PAYLOAD_TOO_LARGE. Over 10 MB API Gateway answers itself: `{\"message\":…}`.",
  },
  GatewayPayloadTooLarge: { status: 413, writers: ['payloadTooLarge'], description: "Request over API Gateway's 10 MB limit (this operation takes no body)." },
  TooManyRequests: { status: 429, writers: ['tooManyRequests'], description: "API Gateway's stage throttling: `{\"message\":\"Too Many Requests\"}`. Retry with exponential backoff." },
  Internal: {
    status: 500,
    writers: ['error', 'internal'],
    description: 'A bug. Code INTERNAL; quote requestId to support. Never caused by client input. If the function crashed without answering, API Gateway answers `{"message":"Internal Server Error"}`.',
  },
  ServiceUnavailable: {
    status: 503,
    writers: ['error', 'unavailable'],
    description: 'A dependency is throttled, slow or down and nothing was done: code SERVICE_UNAVAILABLE, with `Retry-After` (seconds). If the function did not answer in time, API Gateway answers `{"message":"Service Unavailable"}`. Retry after `Retry-After`, then with exponential backoff.',
  },
  RouteNotFound: { status: 404, writers: ['notFound'], description: 'No operation for this method and path: API Gateway answers `{"message":"Not Found"}`.' },
} as const satisfies Record<string, { status: number; writers: readonly Writer[]; description: string }>;

const description = `kefu's HTTP API: sessions, shops, agents, conversation history, response figures and quick replies.

**Authentication.** Every route except \`GET /health\` takes \`Authorization: Bearer <JWT>\`: an access token from the deployment's identity provider (Cognito user pool in the cloud, the local issuer with \`npm start\`). The token's signature is checked against the issuer's JWKS, and \`iss\`, \`aud\` and \`exp\` are enforced. kefu reads the claims \`sub\` (user id), \`tenant_id\`, \`role\` (\`buyer\`, \`agent\`, \`supervisor\`, \`admin\`, or \`platform\` for the deployment's operator) and \`shop_ids\` (the shops an agent or supervisor serves: an array, or a space- or comma-separated string). Tenant, user, role and shops come only from the token: a body or query carrying \`tenantId\`, \`role\`, \`createdAt\` or any other undeclared field is refused with 400.

**Isolation.** An object of another tenant, or of a shop the caller does not serve, gets the same 404 NOT_FOUND as a missing one.

**Errors.** kefu's own 4xx/5xx body is \`{"error":{"code","message","details":[{"field","message"}],"requestId"}}\` (ErrorBody): branch on \`code\`, show \`details\` next to the fields. API Gateway answers some requests itself with \`{"message":"…"}\` (the Gateway… schemas): 401 from the JWT authorizer, 404 \`Not Found\` for a method and path with no operation (any path not listed here), 413 over its 10 MB payload limit, 429 when the stage is throttled, 500 or 503 when kefu's function crashed or timed out. Every response below lists the bodies it can carry; tell them apart by the top-level key, \`error\` or \`message\`.

**Undeclared input.** Every operation refuses, with 400 VALIDATION_FAILED naming the field, a query parameter it does not list and a body field its schema does not declare. An operation without a request body takes none: no body, a zero-length one, or \`{}\`; any other body is refused (\`body.<key>\` for each key of a JSON object, else \`body\`).

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
  const writerSchema = (writer: Writer) =>
    writer === 'error' ? errorBody : components.named(String(gatewayErrorSchemas[writer].meta()?.id), gatewayErrorSchemas[writer], 'output');
  const commonResponse = (name: keyof typeof commonErrors) => {
    const error = commonErrors[name];
    return {
      description: error.description,
      ...(error.status === 401 ? { headers: { 'WWW-Authenticate': { description: "Set by API Gateway's JWT authorizer: why the token was refused.", schema: { type: 'string' } } } } : {}),
      ...(error.status === 503 ? { headers: { 'Retry-After': { description: "kefu's SERVICE_UNAVAILABLE: seconds to wait before retrying.", schema: { type: 'integer', minimum: 1 } } } } : {}),
      content: jsonContent(error.writers.map(writerSchema)),
    };
  };
  const paths: Record<string, Record<string, unknown>> = {};

  for (const route of routes) {
    const contract = contracts[routeKey(route)];
    if (!contract) continue;
    const authenticated = contract.auth !== 'public';
    const parameters = [
      ...parametersOf(contract.path, 'path', components),
      ...parametersOf(contract.query, 'query', components),
    ];
    // Declared responses first; a status also implied below gets both bodies (e.g. /health's 503).
    const declared = new Map<string, { description: string; schemas: JsonSchema[]; textContentType?: string }>();
    for (const [status, response] of Object.entries(contract.responses)) {
      declared.set(status, {
        description: response.description,
        schemas: response.schema ? [components.convert(response.schema, 'output')] : [],
        ...(response.textContentType ? { textContentType: response.textContentType } : {}),
      });
    }
    for (const error of contract.errors ?? []) {
      declared.set(String(error.status), {
        description: `${error.description} Code${error.codes.length > 1 ? 's' : ''}: ${error.codes.join(', ')}.`,
        schemas: [errorBody],
      });
    }
    const implied: (keyof typeof commonErrors)[] = [
      'ValidationFailed',
      ...(authenticated ? (['Unauthorized', 'Forbidden'] as const) : []),
      contract.body ? 'PayloadTooLarge' : 'GatewayPayloadTooLarge',
      'TooManyRequests',
      'Internal',
      'ServiceUnavailable',
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of declared) {
      const text = response.textContentType ? { [response.textContentType]: { schema: { type: 'string' } } } : {};
      responses[status] = { description: response.description, ...(response.schemas.length ? { content: { ...jsonContent(response.schemas), ...text } } : {}) };
    }
    for (const name of implied) {
      const status = String(commonErrors[name].status);
      const own = declared.get(status);
      if (!own) {
        responses[status] = { $ref: `#/components/responses/${name}` };
        continue;
      }
      const schemas = [...own.schemas];
      for (const schema of commonErrors[name].writers.map(writerSchema)) {
        if (!schemas.some((known) => JSON.stringify(known) === JSON.stringify(schema))) schemas.push(schema);
      }
      responses[status] = { description: `${own.description} ${commonErrors[name].description}`, content: jsonContent(schemas) };
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
      { name: 'orders', description: "订单: platform order events in (shops' integrations, the public webhook routes, what ingestion set aside), and a buyer's orders and refunds at a shop as cards for staff." },
      { name: 'promo', description: 'Promo mode (Double 11, 618): the calendar, phase triggers, status and the staffing and capacity plan. Ops and admins only.' },
      { name: 'after-sales cases', description: '售后工单: refunds, returns, exchanges and complaints worked to an outcome on the platform\'s clock.' },
      { name: 'quality', description: '质检: rubrics, automatic checks, reviews, disputes, calibration and the per-cycle work list (docs/qc-and-scorecards.md).' },
      { name: 'scorecards', description: '考核: per-shop weighted scorecards, manual items, monthly scores, ranks and stars.' },
      { name: 'outreach', description: '三催, 回访, 邀评: urges, delivery callbacks and review invitations from order state and time, on schedules that hold at Double 11; coupons by DSR within a daily budget. No reward may depend on a positive rating.' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'RS256 JWT from the deployment\'s issuer, verified once by API Gateway\'s JWT authorizer (issuer, audience, expiry, signature against the issuer\'s JWKS); handlers read the claims it passes. The scheme is case-insensitive (`bearer` works). Claims read: `sub`, `tenant_id`, `role` (buyer | agent | supervisor | admin | ops | platform | qc), `shop_ids` (array or space/comma-separated string).',
        },
      },
      responses: Object.fromEntries(Object.keys(commonErrors).map((name) => [name, commonResponse(name as keyof typeof commonErrors)])),
      schemas: components.schemas,
    },
  };
}

/** One body schema, or the bodies a response may carry (they are disjoint: `error` or `message` at the top). */
function jsonContent(schemas: JsonSchema[]): Record<string, unknown> {
  return { 'application/json': { schema: schemas.length === 1 ? schemas[0] : { oneOf: schemas } } };
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
