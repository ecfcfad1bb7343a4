import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { createRouteMatcher } from '../../infra/local/route-matcher';

/**
 * Checks what the e2e suite sees on the wire against the published documents (docs/openapi.json and
 * docs/asyncapi.yaml, as checked in: test/unit/contracts.test.ts keeps them equal to a fresh generation).
 * Test clients record every HTTP exchange, refused WebSocket handshake, received frame and server close
 * here; `violations()` lists each one the documents do not describe:
 * - an HTTP response whose method and path have no operation (other than the documented gateway 404),
 *   whose status the operation does not list, or whose body does not match that status's schema;
 * - a frame that matches no message kefu sends, or more than one; a reply (same `ref` as a request) that
 *   is not one of the replies documented for the request's action;
 * - a refused handshake or a close code the AsyncAPI's `x-kefu-handshake-responses` / `x-kefu-close-codes`
 *   do not list.
 */
type Doc = Record<string, any>;

const root = resolve(import.meta.dirname, '../..');
export const openApi = JSON.parse(readFileSync(resolve(root, 'docs/openapi.json'), 'utf8')) as Doc;
export const asyncApi = parseYaml(readFileSync(resolve(root, 'docs/asyncapi.yaml'), 'utf8')) as Doc;

/** A document's own schema, compiled so `#/components/...` references resolve inside that document. */
function compilerFor(doc: Doc, ajv: Ajv) {
  addFormats(ajv);
  const cache = new Map<string, ValidateFunction>();
  return (schema: unknown): ValidateFunction => {
    const key = JSON.stringify(schema);
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile({ allOf: [schema], components: doc.components });
      cache.set(key, validate);
    }
    return validate;
  };
}
const openApiSchema = compilerFor(openApi, new Ajv2020({ strict: false, allErrors: true }));
const asyncApiSchema = compilerFor(asyncApi, new Ajv({ strict: false, allErrors: true }));

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
/** The document's operations, matched like API Gateway matches routes (literal segments before parameters). */
const operations = createRouteMatcher(
  Object.entries(openApi.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => methods.includes(method))
      .map((method) => ({ method: method.toUpperCase(), path })),
  ),
);

const refName = (ref: string) => ref.split('/').pop() ?? ref;
const resolveResponse = (response: Doc | undefined): Doc | undefined =>
  response?.$ref ? openApi.components.responses[refName(response.$ref)] : response;

const channel = Object.values(asyncApi.channels as Record<string, Doc>)[0]!;
const receiveOperations = Object.values(asyncApi.operations as Record<string, Doc>).filter((operation) => operation.action === 'receive');
/** Every message kefu (or API Gateway) sends down the socket: replies to requests and pushes. */
const messagesToClient = [
  ...new Set(
    Object.values(asyncApi.operations as Record<string, Doc>).flatMap((operation) =>
      (operation.action === 'send' ? operation.messages : (operation.reply?.messages ?? [])).map((message: Doc) => refName(message.$ref)),
    ),
  ),
];
/** The replies documented for a client frame's action; an action with no route of its own is `$default`'s. */
function repliesTo(action: unknown): string[] {
  const operation =
    receiveOperations.find((candidate) => candidate['x-kefu-route'] === action) ?? receiveOperations.find((candidate) => candidate['x-kefu-route'] === '$default');
  return (operation?.reply?.messages ?? []).map((message: Doc) => refName(message.$ref));
}
const payloadValidator = (message: string) => asyncApiSchema(asyncApi.components.messages[message].payload);
const documentedCloseCodes = new Set((channel['x-kefu-close-codes'] as { code: number }[]).map((close) => close.code));

export interface HttpExchange {
  method: string;
  /** Path and query as requested. */
  url: string;
  status: number;
  contentType: string | null;
  body: string;
}

export interface ObservedFrame {
  connection: string;
  text: string;
  /** The action of the request this frame answers (same `ref`), if any. */
  replyTo?: string;
}

const describe = (value: string) => (value.length > 300 ? `${value.slice(0, 300)}…` : value);
const errorsOf = (validate: ValidateFunction) => JSON.stringify(validate.errors?.slice(0, 3));

export class ContractRecorder {
  readonly http: HttpExchange[] = [];
  readonly frames: ObservedFrame[] = [];
  readonly handshakes: { status: number; body: string }[] = [];
  readonly closes: { connection: string; code: number }[] = [];
  private pending: Promise<unknown>[] = [];
  private sent = new Map<string, string>();
  private connectionCount = 0;

  /** A name for a new socket; sent refs and replies are matched per socket. */
  newConnection(): string {
    return `socket-${++this.connectionCount}`;
  }

  recordHttp(exchange: Promise<HttpExchange>): void {
    this.pending.push(exchange.then((recorded) => this.http.push(recorded)));
  }

  recordSent(connection: string, frame: string | Buffer): void {
    if (typeof frame !== 'string') return;
    try {
      const parsed = JSON.parse(frame) as { ref?: unknown; action?: unknown };
      if (typeof parsed.ref === 'string') this.sent.set(`${connection} ${parsed.ref.slice(0, 64)}`, String(parsed.action));
    } catch {
      // not JSON: no reply can carry its ref
    }
  }

  recordReceived(connection: string, text: string): void {
    let ref: unknown;
    try {
      ref = (JSON.parse(text) as { ref?: unknown }).ref;
    } catch {
      ref = undefined;
    }
    const replyTo = typeof ref === 'string' ? this.sent.get(`${connection} ${ref}`) : undefined;
    this.frames.push({ connection, text, ...(replyTo !== undefined ? { replyTo } : {}) });
  }

  recordHandshake(status: number, body: string): void {
    this.handshakes.push({ status, body });
  }

  /** A close the client did not start (the server's code). */
  recordClose(connection: string, code: number): void {
    this.closes.push({ connection, code });
  }

  /** Everything recorded that the documents do not describe, one line each. */
  async violations(): Promise<string[]> {
    await Promise.all(this.pending);
    return [
      ...this.http.flatMap(httpViolations),
      ...this.frames.flatMap(frameViolations),
      ...this.handshakes.flatMap(handshakeViolations),
      ...this.closes.filter((close) => !documentedCloseCodes.has(close.code)).map((close) => `${close.connection} closed with ${close.code}, which x-kefu-close-codes does not list`),
    ];
  }

  /** How much was checked, so a suite can prove it checked something. */
  counts(): { http: number; frames: number; handshakes: number; closes: number } {
    return { http: this.http.length, frames: this.frames.length, handshakes: this.handshakes.length, closes: this.closes.length };
  }

  /**
   * Wraps `globalThis.fetch` so every request to `baseUrl` is recorded, except paths outside the public
   * API (the dev issuer's JWKS, the @connections management endpoint, test-only routes). Returns the undo.
   */
  recordFetch(baseUrl: string, ignore: RegExp[] = []): () => void {
    const original = globalThis.fetch;
    const skipped = [/^\/\.well-known\//, /^\/local-issuer\//, /^\/@connections\//, ...ignore];
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const response = await original(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.origin === new URL(baseUrl).origin && !skipped.some((pattern) => pattern.test(url.pathname))) {
        const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
        this.recordHttp(
          response
            .clone()
            .text()
            .then((body) => ({ method, url: `${url.pathname}${url.search}`, status: response.status, contentType: response.headers.get('content-type'), body })),
        );
      }
      return response;
    };
    return () => {
      globalThis.fetch = original;
    };
  }
}

function httpViolations(exchange: HttpExchange): string[] {
  const where = `${exchange.method} ${exchange.url} → ${exchange.status}`;
  const path = exchange.url.split('?')[0] ?? '/';
  const match = operations.match(exchange.method, path);
  const response = match
    ? resolveResponse(openApi.paths[match.route.path][match.route.method.toLowerCase()].responses[String(exchange.status)])
    : exchange.status === 404
      ? openApi.components.responses.RouteNotFound
      : undefined;
  if (!response) return [`${where}: ${match ? `${match.routeKey} documents no ${exchange.status} response` : 'no operation for this method and path'}`];
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return exchange.body === '' ? [] : [`${where}: documented without a body, got ${describe(exchange.body)}`];
  // A documented text alternative (an export's CSV): its content type is all a document can say of it.
  const textType = exchange.contentType?.split(';')[0]?.trim();
  if (textType && textType !== 'application/json' && response.content?.[textType]) return [];
  if (!exchange.contentType?.startsWith('application/json')) return [`${where}: content-type ${exchange.contentType}, documented application/json`];
  let body: unknown;
  try {
    body = JSON.parse(exchange.body);
  } catch {
    return [`${where}: body is not JSON: ${describe(exchange.body)}`];
  }
  const validate = openApiSchema(schema);
  return validate(body) ? [] : [`${where}: body ${describe(exchange.body)} does not match the documented schema: ${errorsOf(validate)}`];
}

function frameViolations(frame: ObservedFrame): string[] {
  const where = `${frame.connection} received ${describe(frame.text)}`;
  let payload: unknown;
  try {
    payload = JSON.parse(frame.text);
  } catch {
    return [`${where}: not JSON`];
  }
  const matching = messagesToClient.filter((message) => payloadValidator(message)(payload));
  if (matching.length !== 1) return [`${where}: matches ${matching.length === 0 ? 'no documented message' : `${matching.length} messages (${matching.join(', ')})`}`];
  if (frame.replyTo !== undefined) {
    const documented = repliesTo(frame.replyTo);
    if (!documented.includes(matching[0]!)) return [`${where}: a ${matching[0]} frame answering ${frame.replyTo}, whose documented replies are ${documented.join(', ')}`];
  }
  return [];
}

function handshakeViolations(handshake: { status: number; body: string }): string[] {
  const where = `handshake refused with ${handshake.status} ${describe(handshake.body)}`;
  const documented = (channel['x-kefu-handshake-responses'] as Record<string, Doc>)[String(handshake.status)];
  if (!documented) return [`${where}: x-kefu-handshake-responses does not list ${handshake.status}`];
  let body: unknown;
  try {
    body = JSON.parse(handshake.body);
  } catch {
    return [`${where}: body is not JSON`];
  }
  const validate = asyncApiSchema(documented.payload);
  return validate(body) ? [] : [`${where}: does not match the documented body: ${errorsOf(validate)}`];
}

/** The recorder of this test file (each e2e file runs in its own worker). */
export const contractRecorder = new ContractRecorder();
