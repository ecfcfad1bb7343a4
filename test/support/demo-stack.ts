import { afterAll, beforeAll, expect } from 'vitest';
import { demoTenant } from '../../infra/local/demo-data';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack';
import type { Role } from '../../shared/auth/identity';
import { contractRecorder } from './contract-conformance';
import { ChatClient } from './ws-client';

/**
 * The whole local stack (in memory, real DynamoDB Local and SQS server, real sockets) with the seeded demo
 * firm, booted once for an end-to-end test file. Call at the file's top level: it registers the file's
 * beforeAll/afterAll. Every HTTP response and frame the file sees is checked against docs/openapi.json and
 * docs/asyncapi.yaml after its tests; the sockets it opened are closed and the stack stopped.
 */
export function useDemoStack(options: LocalStackOptions = {}, bootTimeoutMs = 120_000) {
  let started: LocalStack | undefined;
  let stopRecording: (() => void) | undefined;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    started = await startLocalStack({ inMemory: true, ports: { http: 0, ws: 0 }, quiet: true, ...options });
    stopRecording = contractRecorder.recordFetch(started.httpUrl);
  }, bootTimeoutMs);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    stopRecording?.();
    await started?.stop();
    expect(await contractRecorder.violations()).toEqual([]);
  }, 60_000);

  const demo = {
    get stack(): LocalStack {
      if (!started) throw new Error('the demo stack is used before its beforeAll ran');
      return started;
    },
    /** A token from the local issuer, for a demo-firm user unless another tenant is named. */
    token: (userId: string, role: Role, shopIds: string[] = [], tenantId: string = demoTenant.tenantId) => demo.stack.issuer.sign({ userId, tenantId, role, shopIds }),
    /** A socket for the user, closed after the file's tests. */
    connect: async (userId: string, role: Role, shopIds: string[] = [], tenantId: string = demoTenant.tenantId): Promise<ChatClient> =>
      demo.connectWith(await demo.token(userId, role, shopIds, tenantId)),
    /** A socket for a bearer token from elsewhere (the user pool's sign-in, say), closed after the file's tests. */
    connectWith: async (bearer: string): Promise<ChatClient> => demo.closeAfterwards(await ChatClient.connect(demo.stack.httpUrl, demo.stack.wsUrl, bearer)),
    /** A socket opened some other way (a raw ticket, say), closed after the file's tests like the rest. */
    closeAfterwards: (client: ChatClient): ChatClient => {
      clients.push(client);
      return client;
    },
    /** An HTTP call with a bearer token; the body parsed when there is one. */
    call: async (method: string, path: string, bearer: string, body?: unknown) => {
      const response = await fetch(`${demo.stack.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
    },
  };
  return demo;
}
