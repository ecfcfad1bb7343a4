import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { handler as createConnectTicket } from '../../functions/http/create-connect-ticket';
import { handler as getMe } from '../../functions/http/get-me';
import { handler as putQuickReply } from '../../functions/http/put-quick-reply';
import { handler as ping } from '../../functions/ws/ping';
import { handler as unknownAction } from '../../functions/ws/unknown-action';
import { identityToAuthorizerContext } from '../../shared/auth/identity';
import { buildAsyncApiDocument } from '../../shared/contracts/asyncapi';
import { asyncApiPath, generateContractFiles, openApiPath } from '../../shared/contracts/documents';
import { httpContracts } from '../../shared/contracts/http-contracts';
import { buildOpenApiDocument, routeKey } from '../../shared/contracts/openapi';
import { webSocketContracts } from '../../shared/contracts/websocket-contracts';
import { httpRoutes, webSocketRoutes } from '../../shared/manifest';
import { httpEvent, lambdaContext, wsEvent } from '../support/events';

const root = resolve(import.meta.dirname, '../..');
const readDoc = (path: string) => readFileSync(resolve(root, path), 'utf8');

type Doc = Record<string, any>;
const openApi = buildOpenApiDocument(httpRoutes, httpContracts, '0.0.0-test') as Doc;
const asyncApi = buildAsyncApiDocument(webSocketRoutes, webSocketContracts, '0.0.0-test') as Doc;

/**
 * Validators over a document's own schemas: each schema is wrapped so `#/components/...` resolves. Each
 * compile carries all the components, so equal schemas (the shared error bodies of every route) compile once.
 */
function validatorsFor(doc: Doc, ajv: Ajv) {
  addFormats(ajv);
  const compiled = new Map<string, ReturnType<Ajv['compile']>>();
  return (schema: unknown) => {
    const key = JSON.stringify(schema);
    let validate = compiled.get(key);
    if (!validate) compiled.set(key, (validate = ajv.compile({ allOf: [schema], components: doc.components })));
    return validate;
  };
}
const openApiValidator = validatorsFor(openApi, new Ajv2020({ strict: false, allErrors: true }));
const asyncApiValidator = validatorsFor(asyncApi, new Ajv({ strict: false, allErrors: true }));

const operationOf = (method: string, path: string) => openApi.paths?.[path]?.[method.toLowerCase()];
const payloadOf = (message: string) => asyncApi.components.messages[message]?.payload;

describe('API contracts cover every route', () => {
  it('documents every manifest HTTP route in OpenAPI (add it to shared/contracts/http-contracts.ts, then npm run docs)', () => {
    const missing = httpRoutes.filter((route) => !operationOf(route.method, route.path)).map((route) => `${routeKey(route)} (${route.handler})`);
    expect(missing, 'HTTP routes with no OpenAPI operation').toEqual([]);
    for (const route of httpRoutes) expect(operationOf(route.method, route.path)?.operationId).toBeTruthy();
  });

  it('documents every manifest WebSocket route in AsyncAPI (add it to shared/contracts/websocket-contracts.ts, then npm run docs)', () => {
    const documented = new Set(Object.values(asyncApi.operations).map((operation: any) => operation['x-kefu-route']));
    const missing = webSocketRoutes.filter((route) => !documented.has(route.route)).map((route) => `ws ${route.route} (${route.handler})`);
    expect(missing, 'WebSocket routes with no AsyncAPI operation').toEqual([]);
  });

  it('has no contract for a route the manifest does not have (a renamed or removed route)', () => {
    const httpKeys = new Set(httpRoutes.map(routeKey));
    const wsKeys = new Set(webSocketRoutes.map((route) => route.route));
    expect(Object.keys(httpContracts).filter((key) => !httpKeys.has(key))).toEqual([]);
    expect(Object.keys(webSocketContracts).filter((key) => !wsKeys.has(key))).toEqual([]);
  });
});

describe('checked-in contract documents', () => {
  it.each([openApiPath, asyncApiPath])('%s equals a fresh generation (run `npm run docs` after changing a route or schema)', (path) => {
    const fresh = generateContractFiles()[path];
    expect(readDoc(path) === fresh, `${path} is out of date: run \`npm run docs\` and commit the result`).toBe(true);
  });

  it('writes YAML that reads back as the AsyncAPI document', () => {
    const generated = buildAsyncApiDocument(webSocketRoutes, webSocketContracts, '0.1.0');
    expect(parseYaml(readDoc(asyncApiPath))).toEqual(JSON.parse(JSON.stringify(generated)));
  });

  it('resolves every $ref', () => {
    for (const doc of [openApi, asyncApi]) {
      const refs: string[] = [];
      const walk = (node: unknown) => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (node && typeof node === 'object') {
          for (const [key, value] of Object.entries(node)) {
            if (key === '$ref' && typeof value === 'string') refs.push(value);
            else walk(value);
          }
        }
      };
      walk(doc);
      expect(refs.length).toBeGreaterThan(10);
      for (const ref of refs) {
        expect(ref.startsWith('#/'), ref).toBe(true);
        const target = ref
          .slice(2)
          .split('/')
          .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
          .reduce<any>((node, part) => node?.[part], doc);
        expect(target, `${ref} does not resolve`).toBeDefined();
      }
    }
  });

  it('declares bearer JWT security on every route but /health, and the connect ticket on the socket', () => {
    expect(openApi.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(openApi.components.securitySchemes.bearer.description).toMatch(/tenant_id.*role.*shop_ids/s);
    for (const route of httpRoutes) {
      const operation = operationOf(route.method, route.path);
      expect(operation.security, routeKey(route)).toEqual(route.public ? [] : [{ bearer: [] }]);
      for (const status of ['500', '503']) expect(operation.responses[status], `${routeKey(route)} ${status}`).toBeDefined();
    }
    expect(asyncApi.components.securitySchemes.connectTicket).toMatchObject({ type: 'httpApiKey', in: 'query', name: 'ticket' });
    expect(asyncApi.info.description).toMatch(/10 minutes/);
    expect(asyncApi.info.description).toMatch(/2 hours/);
    expect(asyncApi.info.description).toMatch(/conversationId, seq/);
  });

  it("documents API Gateway's own answers next to kefu's: 401, 404, 413, 429, 500, 503, the refused handshake and the close codes", () => {
    const bodyOf = (response: any) => (response.$ref ? openApi.components.responses[response.$ref.split('/').pop()] : response).content['application/json'].schema;
    const kefuError = { error: { code: 'INTERNAL', message: 'x', requestId: 'r' } };
    for (const route of httpRoutes) {
      const responses = operationOf(route.method, route.path).responses;
      const accepts = (status: number, body: unknown) => openApiValidator(bodyOf(responses[String(status)]))(body);
      expect(accepts(400, { error: { code: 'VALIDATION_FAILED', message: 'x', details: [{ field: 'query.tenantId', message: 'not allowed' }] } }), routeKey(route)).toBe(true);
      if (!route.public) expect(accepts(401, { message: 'Unauthorized' }), routeKey(route)).toBe(true);
      expect(accepts(413, { message: 'Request Entity Too Large' }), routeKey(route)).toBe(true);
      expect(accepts(429, { message: 'Too Many Requests' }), routeKey(route)).toBe(true);
      expect(accepts(500, { message: 'Internal Server Error' }) && accepts(500, kefuError), routeKey(route)).toBe(true);
      expect(accepts(503, { message: 'Service Unavailable' }), routeKey(route)).toBe(true);
      expect(accepts(500, { message: 'Internal Server Error', error: kefuError.error }), `${routeKey(route)}: one body or the other`).toBe(false);
    }
    expect(openApiValidator(bodyOf(openApi.components.responses.RouteNotFound))({ message: 'Not Found' })).toBe(true);
    expect(openApi.paths['/health'].get.responses['503'].content['application/json'].schema.oneOf).toContainEqual({ $ref: '#/components/schemas/Health' });

    const channel = asyncApi.channels.socket;
    for (const [status, message] of [['401', 'Unauthorized'], ['403', 'Forbidden'], ['500', 'Internal server error']]) {
      expect(asyncApiValidator(channel['x-kefu-handshake-responses'][status!].payload)({ message }), status).toBe(true);
    }
    expect(channel['x-kefu-close-codes'].map((close: { code: number }) => close.code)).toEqual([1000, 1001, 1003, 1007, 1009]);
    expect(asyncApiValidator(payloadOf('gatewayError'))({ message: 'Internal server error', connectionId: 'c', requestId: 'r' })).toBe(true);
  });

  it('compiles every component schema', () => {
    for (const [name, schema] of Object.entries(openApi.components.schemas)) expect(() => openApiValidator(schema), name).not.toThrow();
    for (const [name, schema] of Object.entries(asyncApi.components.schemas)) expect(() => asyncApiValidator(schema), name).not.toThrow();
  });
});

describe('real requests against the documents', () => {
  it('accepts every HTTP example, by the handler schema and by the document alike', () => {
    let checked = 0;
    for (const [key, contract] of Object.entries(httpContracts)) {
      const [method, path] = key.split(' ') as [string, string];
      const operation = operationOf(method, path);
      if (!operation) continue;
      for (const example of contract.examples ?? []) {
        for (const [where, schema, value] of [
          ['path', contract.path, example.path],
          ['query', contract.query, example.query],
          ['body', contract.body, example.body],
        ] as const) {
          if (value === undefined) continue;
          expect(schema, `${key} example has ${where} but the contract no schema`).toBeDefined();
          expect(schema!.safeParse(value).success, `${key} ${where} example against the handler schema`).toBe(true);
          const validate = where === 'body' ? openApiValidator(operation.requestBody.content['application/json'].schema) : parametersValidator(operation, where);
          const documented = where === 'body' ? value : asOpenApiReadsIt(operation, value as Record<string, string>);
          expect(validate(documented), `${key} ${where} example against the document: ${JSON.stringify(validate.errors)}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it('accepts every WebSocket frame example, by the handler schema and by the document alike', () => {
    let checked = 0;
    for (const contract of Object.values(webSocketContracts)) {
      for (const frame of [...contract.frames, ...contract.replies]) {
        for (const example of frame.examples ?? []) {
          expect(frame.schema.safeParse(example).success, `${frame.name} example against the handler schema`).toBe(true);
          const validate = asyncApiValidator(payloadOf(frame.name));
          expect(validate(example), `${frame.name} example against the document: ${JSON.stringify(validate.errors)}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it('refuses mass assignment and malformed input in the documents as the handlers do', () => {
    const putBody = openApiValidator(operationOf('PUT', '/v1/quick-replies/{shortcut}').requestBody.content['application/json'].schema);
    const contract = httpContracts['PUT /v1/quick-replies/{shortcut}']!;
    const body = { title: 't', variants: ['v'] };
    for (const bad of [{ ...body, tenantId: 'other' }, { ...body, variants: [] }, { ...body, variants: new Array(11).fill('v') }, { title: 't' }, { ...body, stage: 'crm' }]) {
      expect(putBody(bad), JSON.stringify(bad)).toBe(false);
      expect(contract.body!.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    const staffFrame = asyncApiValidator(payloadOf('sendMessageAsStaff'));
    for (const bad of [
      { action: 'sendMessage', conversationId: 'c-1', clientMessageId: 'm', text: 'hi', seq: 7 },
      { action: 'sendMessage', conversationId: 'c-1', clientMessageId: 'm', text: 'hi', tenantId: 'other' },
      { action: 'sendMessage', conversationId: 'c 1', clientMessageId: 'm', text: 'hi' },
    ]) {
      expect(staffFrame(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(parametersValidator(operationOf('GET', '/v1/quick-replies'), 'query')({ scope: 'agent', agentId: 'someone-else' })).toBe(false);
  });
});

describe('real handler output against the documents', () => {
  const responseSchema = (method: string, path: string, status: number) => {
    const response = operationOf(method, path).responses[String(status)];
    const resolved = response.$ref ? openApi.components.responses[response.$ref.split('/').pop()] : response;
    return openApiValidator(resolved.content['application/json'].schema);
  };

  it('matches the HTTP success and error bodies', async () => {
    const identity = { userId: 'contract-agent', tenantId: 'tenant-contracts', role: 'agent' as const, shopIds: ['shop-1'] };
    const me = (await getMe(httpEvent({ method: 'GET', path: '/v1/me', identity }), lambdaContext)) as { statusCode: number; body: string };
    const validateMe = responseSchema('GET', '/v1/me', 200);
    expect(validateMe(JSON.parse(me.body)), JSON.stringify(validateMe.errors)).toBe(true);

    const ticket = (await createConnectTicket(httpEvent({ method: 'POST', path: '/v1/connect-tickets', identity }), lambdaContext)) as { statusCode: number; body: string };
    expect(ticket.statusCode).toBe(201);
    expect(responseSchema('POST', '/v1/connect-tickets', 201)(JSON.parse(ticket.body))).toBe(true);

    const unauthorized = (await putQuickReply(
      httpEvent({ method: 'PUT', path: '/v1/quick-replies/x', body: { title: 't', variants: ['v'] }, query: { scope: 'agent' }, pathParameters: { shortcut: 'x' } }),
      lambdaContext,
    )) as { statusCode: number; body: string };
    expect(unauthorized.statusCode).toBe(401);
    expect(responseSchema('PUT', '/v1/quick-replies/{shortcut}', 401)(JSON.parse(unauthorized.body))).toBe(true);

    const invalid = (await putQuickReply(
      httpEvent({ method: 'PUT', path: '/v1/quick-replies/x', identity, body: { title: 't', variants: ['{coupon}'] }, query: { scope: 'agent' }, pathParameters: { shortcut: 'x' } }),
      lambdaContext,
    )) as { statusCode: number; body: string };
    expect(invalid.statusCode).toBe(400);
    expect(responseSchema('PUT', '/v1/quick-replies/{shortcut}', 400)(JSON.parse(invalid.body))).toBe(true);
  });

  it('matches the pong and error frames', async () => {
    const authorizer = identityToAuthorizerContext({ tenantId: 'tenant-contracts', userId: 'contract-buyer', role: 'buyer', shopIds: [] });
    const pong = (await ping(wsEvent({ body: JSON.stringify({ action: 'ping', ref: 'p' }), authorizer }), lambdaContext)) as { body: string };
    const validatePong = asyncApiValidator(payloadOf('pong'));
    expect(validatePong(JSON.parse(pong.body)), JSON.stringify(validatePong.errors)).toBe(true);
    const error = (await unknownAction(wsEvent({ body: JSON.stringify({ action: 'dance', ref: 'd' }), authorizer }), lambdaContext)) as { body: string };
    expect(JSON.parse(error.body)).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', field: 'action', ref: 'd' });
    expect(asyncApiValidator(payloadOf('error'))(JSON.parse(error.body))).toBe(true);
  });
});

function parametersValidator(operation: any, where: 'path' | 'query') {
  const parameters = (operation.parameters ?? []).filter((parameter: any) => parameter.in === where);
  return openApiValidator({
    type: 'object',
    properties: Object.fromEntries(parameters.map((parameter: any) => [parameter.name, parameter.schema])),
    required: parameters.filter((parameter: any) => parameter.required).map((parameter: any) => parameter.name),
    // Unknown parameters are refused by the handlers (strict schemas); the document lists all there are.
    additionalProperties: false,
  });
}

/** Query and path values arrive as strings; an OpenAPI reader turns them into the parameter schema's type. */
function asOpenApiReadsIt(operation: any, values: Record<string, string>): Record<string, unknown> {
  const types = new Map<string, unknown>((operation.parameters ?? []).map((parameter: any) => [parameter.name, parameter.schema?.type]));
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, types.get(name) === 'integer' || types.get(name) === 'number' ? Number(value) : value]),
  );
}
