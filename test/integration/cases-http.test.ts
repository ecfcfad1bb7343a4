import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handler as addEvidence } from '../../functions/http/add-case-evidence';
import { handler as addNote } from '../../functions/http/add-case-note';
import { handler as getCase } from '../../functions/http/get-case';
import { handler as getSettings } from '../../functions/http/get-case-settings';
import { handler as listMine } from '../../functions/http/list-my-cases';
import { handler as listShop } from '../../functions/http/list-shop-cases';
import { handler as openCase } from '../../functions/http/open-case';
import { handler as putOwner } from '../../functions/http/put-case-owner';
import { handler as putSettings } from '../../functions/http/put-case-settings';
import { handler as retention } from '../../functions/http/record-case-retention';
import { handler as transition } from '../../functions/http/transition-case';
import type { Identity, Role } from '../../shared/auth/identity';
import { caseIdForAgentRequest, caseIdForRefund } from '../../shared/after-sales/case';
import { caseDependencies } from '../../shared/after-sales/change-case';
import { openConversation } from '../../shared/store/conversations';
import { getCaseOwnerCandidates } from '../../shared/store/cases';
import { httpEvent, lambdaContext } from '../support/events';
import { caseFrameRecorder, orderFeed, refundEvent, storedCase } from './cases-fixtures';
import { createAgent, createShop, routingConfig } from './routing-fixtures';

const tenant = `cases-http-${randomUUID().slice(0, 8)}`;
const otherTenant = `cases-http-b-${randomUUID().slice(0, 8)}`;
const who = (tenantId: string, role: Role, userId: string, shopIds: string[] = []): Identity => ({ tenantId, userId, role, shopIds });
const agent1 = who(tenant, 'agent', 'agent-1', ['shop-x']);
const agent2 = who(tenant, 'agent', 'agent-2', ['shop-x']);
const agentY = who(tenant, 'agent', 'agent-y', ['shop-y']);
const supervisorX = who(tenant, 'supervisor', 'sup-x', ['shop-x']);
const supervisorY = who(tenant, 'supervisor', 'sup-y', ['shop-y']);
const buyer = who(tenant, 'buyer', 'buyer-1');
const foreignAgent = who(otherTenant, 'agent', 'agent-1', ['shop-x']);
const foreignAdmin = who(otherTenant, 'admin', 'admin-1');

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
async function call(handler: Handler, caller: Identity, method: string, path: string, options: { params?: Record<string, string>; body?: unknown; query?: Record<string, string> } = {}) {
  const response = (await handler(
    httpEvent({ method, path, identity: caller, pathParameters: options.params, body: options.body, query: options.query }),
    lambdaContext,
  )) as { statusCode: number; body: string };
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}
const open = (caller: Identity, shopId: string, body: unknown) => call(openCase, caller, 'POST', `/v1/shops/${shopId}/cases`, { params: { shopId }, body });
const onCase = (handler: Handler, method: string, suffix: string) => (caller: Identity, caseId: string, body?: unknown) =>
  call(handler, caller, method, `/v1/cases/${caseId}${suffix}`, { params: { caseId }, ...(body === undefined ? {} : { body }) });
const move = onCase(transition, 'POST', '/transitions');
const note = onCase(addNote, 'POST', '/notes');
const evidence = onCase(addEvidence, 'POST', '/evidence');
const owner = onCase(putOwner, 'PUT', '/owner');
const retain = onCase(retention, 'POST', '/retention');
const read = onCase(getCase, 'GET', '');
const caseLoad = async (agentId: string) => (await getCaseOwnerCandidates(tenant, [agentId], { consistent: true }))[0]?.caseLoad ?? 0;

let conversationX: string;
let conversationY: string;

beforeAll(async () => {
  await createShop(tenant, 'shop-x', routingConfig({ groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after-x' } }));
  await createShop(tenant, 'shop-y', routingConfig({ groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after-y' } }));
  await createAgent(tenant, 'agent-1', { shopIds: ['shop-x'], groupIds: ['after-x'] });
  await createAgent(tenant, 'agent-2', { shopIds: ['shop-x'], groupIds: ['after-x'] });
  await createAgent(tenant, 'agent-y', { shopIds: ['shop-y'], groupIds: ['after-y'] });
  conversationX = (await openConversation({ tenantId: tenant, shopId: 'shop-x', buyerId: 'buyer-1', stage: 'after-sale', now: new Date() })).conversation.conversationId;
  conversationY = (await openConversation({ tenantId: tenant, shopId: 'shop-y', buyerId: 'buyer-2', stage: 'after-sale', now: new Date() })).conversation.conversationId;
});

const openBody = (clientRequestId: string, overrides: Record<string, unknown> = {}) => ({
  clientRequestId,
  type: 'quality-complaint',
  conversationId: conversationX,
  platform: 'taobao',
  orderId: '3858302947561',
  note: '面霜过敏',
  ...overrides,
});

describe('after-sales case routes (DynamoDB Local)', () => {
  it('opens a case from a conversation once per client request id: 201, then 200 with the same case; another body under the id is a 409', async () => {
    const first = await open(agent1, 'shop-x', openBody('req-open-0001'));
    expect(first).toMatchObject({ status: 201, body: { state: 'open', ownerId: 'agent-1', buyerId: 'buyer-1', origin: 'agent', shopId: 'shop-x' } });
    const again = await open(agent1, 'shop-x', openBody('req-open-0001'));
    expect(again).toMatchObject({ status: 200, body: { caseId: first.body.caseId } });
    const stored = await storedCase(tenant, first.body.caseId);
    expect(stored?.rev).toBe(1);
    expect(await caseLoad('agent-1')).toBe(1);
    const reused = await open(agent1, 'shop-x', openBody('req-open-0001', { type: 'exchange' }));
    expect(reused).toMatchObject({ status: 409, body: { error: { code: 'CLIENT_REQUEST_ID_REUSED', details: [{ field: 'body.clientRequestId' }] } } });
    expect((await storedCase(tenant, first.body.caseId))?.rev).toBe(1);
  });

  it('refuses bad input with 400 naming the field, and a body carrying server-owned fields (row 16), storing nothing', async () => {
    const id = (request: string) => caseIdForAgentRequest('shop-x', 'agent-1', request);
    const smuggled = await open(agent1, 'shop-x', openBody('req-smuggle-01', { tenantId: otherTenant, ownerId: 'agent-2', state: 'resolved', buyerId: 'buyer-9' }));
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['body.buyerId', 'body.ownerId', 'body.state', 'body.tenantId']);
    expect(await storedCase(tenant, id('req-smuggle-01'))).toBeUndefined();
    expect(await open(agent1, 'shop-x', openBody('short'))).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.clientRequestId' }] } } });
    expect(await open(agent1, 'shop-x', openBody('req-badtype-01', { type: 'refund-please' }))).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.type' }] } } });
    expect(await open(agent1, 'shop-x', openBody('req-badorder-1', { orderId: 'a#b' }))).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.orderId' }] } } });
    expect(await storedCase(tenant, id('req-badtype-01'))).toBeUndefined();
  });

  it('keeps shops and tenants apart on opening (rows 14, 15): another shop\'s conversation, a shop not served, another tenant, a buyer', async () => {
    expect(await open(agent1, 'shop-x', openBody('req-iso-00001', { conversationId: conversationY }))).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await open(agentY, 'shop-x', openBody('req-iso-00002'))).toMatchObject({ status: 404 });
    expect(await open(foreignAgent, 'shop-x', openBody('req-iso-00003'))).toMatchObject({ status: 404 });
    expect(await open(buyer, 'shop-x', openBody('req-iso-00004'))).toMatchObject({ status: 403 });
    expect(await storedCase(tenant, caseIdForAgentRequest('shop-x', 'agent-y', 'req-iso-00002'))).toBeUndefined();
    expect(await storedCase(otherTenant, caseIdForAgentRequest('shop-x', 'agent-1', 'req-iso-00003'))).toBeUndefined();
  });

  it('moves a case by role: the owner and supervisors may, another agent of the shop may not (403), others see no case (404); the state machine answers 409 with its code', async () => {
    const { body: opened } = await open(agent1, 'shop-x', openBody('req-move-0001'));
    const caseId = opened.caseId as string;
    expect(await move(agent1, caseId, { to: 'waiting-buyer', note: '请买家拍照' })).toMatchObject({ status: 200, body: { state: 'waiting-buyer' } });
    const revAfterMove = (await storedCase(tenant, caseId))?.rev;
    expect(await move(agent2, caseId, { to: 'open' })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await move(agentY, caseId, { to: 'open' })).toMatchObject({ status: 404 });
    expect(await move(foreignAgent, caseId, { to: 'open' })).toMatchObject({ status: 404 });
    expect(await move(foreignAdmin, caseId, { to: 'open' })).toMatchObject({ status: 404 });
    expect(await move(buyer, caseId, { to: 'open' })).toMatchObject({ status: 403 });
    expect(await move(agent1, caseId, { to: 'resolved' })).toMatchObject({ status: 409, body: { error: { code: 'CASE_OUTCOME_REQUIRED', details: [{ field: 'body.outcome' }] } } });
    expect(await move(agent1, caseId, { to: 'open', outcome: 'compensated' })).toMatchObject({ status: 409, body: { error: { code: 'CASE_OUTCOME_NOT_ALLOWED' } } });
    expect(await move(agent1, caseId, { to: 'resolved', outcome: 'refunded' })).toMatchObject({ status: 409, body: { error: { code: 'CASE_OUTCOME_NOT_ALLOWED' } } });
    expect(await move(agent1, caseId, { to: 'pending' })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.to' }] } } });
    expect((await storedCase(tenant, caseId))?.rev).toBe(revAfterMove);

    const loadOpen = await caseLoad('agent-1');
    expect(await move(agent1, caseId, { to: 'resolved', outcome: 'compensated', note: '补偿10元券' })).toMatchObject({ status: 200, body: { state: 'resolved', outcome: 'compensated' } });
    expect(await caseLoad('agent-1')).toBe(loadOpen - 1);
    expect(await move(agent1, caseId, { to: 'open' })).toMatchObject({ status: 409, body: { error: { code: 'CASE_REOPEN_NOT_ALLOWED', details: [{ field: 'body.to' }] } } });
    expect(await move(supervisorX, caseId, { to: 'open', note: '买家再次投诉' })).toMatchObject({ status: 200, body: { state: 'open' } });
    // Reopened, it counts against its owner again.
    expect(await caseLoad('agent-1')).toBe(loadOpen);
    expect(await move(supervisorY, caseId, { to: 'closed', outcome: 'other' })).toMatchObject({ status: 404 });

    const view = await read(agent2, caseId);
    expect(view.status).toBe(200);
    const states = (view.body.timeline as { kind: string; to?: string; actor: { kind: string; userId?: string } }[]).filter((entry) => entry.kind === 'state');
    expect(states.map((entry) => [entry.to, entry.actor.kind, entry.actor.userId])).toEqual([
      ['waiting-buyer', 'agent', 'agent-1'],
      ['resolved', 'agent', 'agent-1'],
      ['open', 'supervisor', 'sup-x'],
    ]);
    expect(await read(agentY, caseId)).toMatchObject({ status: 404 });
    expect(await read(foreignAgent, caseId)).toMatchObject({ status: 404 });
  });

  it('adds notes and evidence links to the timeline (who and when), refusing bad links and empty notes', async () => {
    const { body: opened } = await open(agent1, 'shop-x', openBody('req-notes-001'));
    const caseId = opened.caseId as string;
    expect(await note(agent1, caseId, { text: '买家说包装破损' })).toMatchObject({ status: 201 });
    expect(await evidence(supervisorX, caseId, { url: 'https://img.example.com/d1.jpg', note: '外箱破损' })).toMatchObject({ status: 201 });
    expect(await evidence(agent1, caseId, { url: 'http://img.example.com/d1.jpg' })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.url' }] } } });
    expect(await evidence(agent1, caseId, { url: 'not a url' })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.url' }] } } });
    expect(await note(agent1, caseId, { text: '   ' })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.text' }] } } });
    expect(await note(agent2, caseId, { text: 'not mine' })).toMatchObject({ status: 403 });
    expect(await note(foreignAgent, caseId, { text: 'x' })).toMatchObject({ status: 404 });
    const view = await read(agent1, caseId);
    const added = (view.body.timeline as { kind: string; text?: string; url?: string; actor: { userId?: string } }[]).filter((entry) => entry.kind === 'note' || entry.kind === 'evidence');
    expect(added.map((entry) => [entry.kind, entry.actor.userId, entry.text, entry.url])).toEqual([
      ['note', 'agent-1', '买家说包装破损', undefined],
      ['evidence', 'sup-x', '外箱破损', 'https://img.example.com/d1.jpg'],
    ]);
    expect(view.body.timelineCount).toBe(view.body.timeline.length);
  });

  it('lets only a supervisor change the owner, to an agent of the shop, moving the case loads', async () => {
    const { body: opened } = await open(agent1, 'shop-x', openBody('req-owner-001'));
    const caseId = opened.caseId as string;
    const [before1, before2] = [await caseLoad('agent-1'), await caseLoad('agent-2')];
    expect(await owner(agent1, caseId, { ownerId: 'agent-2' })).toMatchObject({ status: 403 });
    expect(await owner(supervisorX, caseId, { ownerId: 'agent-y' })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.ownerId' }] } } });
    expect(await owner(supervisorY, caseId, { ownerId: 'agent-y' })).toMatchObject({ status: 404 });
    expect(await owner(supervisorX, caseId, { ownerId: 'agent-2' })).toMatchObject({ status: 200, body: { ownerId: 'agent-2' } });
    expect([await caseLoad('agent-1'), await caseLoad('agent-2')]).toEqual([before1 - 1, before2 + 1]);
    expect(await note(agent1, caseId, { text: 'no longer mine' })).toMatchObject({ status: 403 });
    expect(await retain(agent2, caseId, {})).toMatchObject({ status: 409, body: { error: { code: 'CASE_OUTCOME_NOT_ALLOWED' } } });
  });

  it('records a retention attempt on a refund case', async () => {
    const rec = caseFrameRecorder();
    const feed = orderFeed(tenant, 'shop-x', 'o-http-1', { ...caseDependencies, notify: rec.deps.notify });
    const now = new Date();
    await feed.apply(refundEvent({ shopId: 'shop-x', orderId: 'o-http-1', refundId: 'r-http-1', status: 'requested', version: 1, at: now }), now);
    const caseId = caseIdForRefund('taobao', 'shop-x', 'r-http-1');
    const ownerId = (await storedCase(tenant, caseId))?.case.ownerId;
    const ownerIdentity = ownerId === 'agent-1' ? agent1 : agent2;
    expect(await retain(ownerIdentity, caseId, { note: '提供换货方案' })).toMatchObject({ status: 201, body: { retentionBy: ownerId } });
  });

  it('lists a shop\'s cases by state, the overdue list and my cases, paged; other shops and tenants see none of them', async () => {
    const rec = caseFrameRecorder();
    const now = new Date();
    const feed = orderFeed(tenant, 'shop-x', 'o-http-2', rec.deps);
    // The platform's deadline already passed: overdue as soon as it is open.
    await feed.apply(refundEvent({ shopId: 'shop-x', orderId: 'o-http-2', refundId: 'r-late', status: 'requested', version: 1, at: new Date(now.getTime() - 3_600_000 * 30), deadline: new Date(now.getTime() - 3_600_000) }), now);
    const late = caseIdForRefund('taobao', 'shop-x', 'r-late');

    const list = (caller: Identity, shopId: string, query: Record<string, string> = {}) => call(listShop, caller, 'GET', `/v1/shops/${shopId}/cases`, { params: { shopId }, query });
    const overdue = await list(supervisorX, 'shop-x', { overdue: 'true' });
    expect(overdue.status).toBe(200);
    expect(overdue.body.cases.map((c: { caseId: string }) => c.caseId)).toEqual([late]);

    const all = await list(agent2, 'shop-x');
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(agent2, 'shop-x', { limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      expect(page.body.cases.length).toBeLessThanOrEqual(2);
      ids.push(...page.body.cases.map((c: { caseId: string }) => c.caseId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual(all.body.cases.map((c: { caseId: string }) => c.caseId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(late);
    expect(all.body.cases.every((c: { state: string }) => c.state !== 'resolved' && c.state !== 'closed')).toBe(true);

    expect(await list(agent1, 'shop-x', { cursor: 'forged' })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'query.cursor' }] } } });
    expect(await list(agent1, 'shop-x', { state: 'pending' })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'query.state' }] } } });
    expect(await list(agent1, 'shop-x', { limit: '0' })).toMatchObject({ status: 400 });
    expect(await list(agentY, 'shop-x')).toMatchObject({ status: 404 });
    expect(await list(buyer, 'shop-x')).toMatchObject({ status: 403 });
    expect(await list(foreignAgent, 'shop-x')).toMatchObject({ status: 200, body: { cases: [] } });

    const mine = await call(listMine, agent2, 'GET', '/v1/me/cases');
    expect(mine.status).toBe(200);
    const slas = mine.body.cases.map((c: { deadline?: { slaDueAt: string } }) => c.deadline?.slaDueAt ?? '~');
    expect(slas).toEqual([...slas].sort());
    expect(mine.body.cases.every((c: { ownerId: string }) => c.ownerId === 'agent-2')).toBe(true);
    expect((await call(listMine, foreignAgent, 'GET', '/v1/me/cases')).body.cases).toEqual([]);
  });

  it('keeps a shop\'s case settings for its supervisors: validated, defaults until saved, invisible to others', async () => {
    const path = '/v1/shops/shop-y/case-settings';
    const params = { shopId: 'shop-y' };
    expect(await call(getSettings, supervisorY, 'GET', path, { params })).toMatchObject({ status: 200, body: { safetyMarginMinutes: 60, warningPoints: [0.5, 0.8, 1] } });
    const body = { safetyMarginMinutes: 120, warningPoints: [0.5, 0.9, 1], agentCaseCap: 30, supervisorIds: ['sup-y'], deadlineRules: [{ id: 'y-quality', platform: '*', caseType: 'quality-complaint', state: '*', hours: 24 }] };
    expect(await call(putSettings, supervisorY, 'PUT', path, { params, body })).toMatchObject({ status: 200, body: { agentCaseCap: 30 } });
    expect(await call(getSettings, supervisorY, 'GET', path, { params })).toMatchObject({ status: 200, body: { safetyMarginMinutes: 120, warningPoints: [0.5, 0.9, 1] } });
    expect(await call(putSettings, supervisorY, 'PUT', path, { params, body: { ...body, warningPoints: [0, 2] } })).toMatchObject({
      status: 400,
      body: { error: { details: [{ field: 'body.warningPoints.0' }, { field: 'body.warningPoints.1' }] } },
    });
    expect(await call(putSettings, supervisorY, 'PUT', path, { params, body: { ...body, tenantId: otherTenant } })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.tenantId' }] } } });
    expect(await call(putSettings, agentY, 'PUT', path, { params, body })).toMatchObject({ status: 403 });
    expect(await call(putSettings, supervisorX, 'PUT', path, { params, body })).toMatchObject({ status: 404 });
    expect(await call(getSettings, foreignAdmin, 'GET', path, { params })).toMatchObject({ status: 404 });
    expect(await call(getSettings, supervisorY, 'GET', path, { params })).toMatchObject({ body: { agentCaseCap: 30 } });
  });
});
