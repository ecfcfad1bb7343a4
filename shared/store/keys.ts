/**
 * Every DynamoDB key kefu writes or reads is built here and nowhere else. Every key a tenant's data
 * lives under starts with the tenant, so a bug elsewhere cannot reach across tenants by forgetting a
 * prefix; the two exceptions (connect tickets, idle-close timers) say why below. Access patterns, with
 * the index each uses and the handlers that use them, are listed in docs/access-patterns.md.
 */
import { createHash } from 'node:crypto';
import type { LibraryScope } from '../quick-replies/library-access';
import type { Presence } from '../routing/agent';

export type Key = { pk: string; sk: string };

const tenantPrefix = (tenantId: string) => `T#${tenantId}`;

/** Waiting-line sort keys of conversations handed over by the FAQ robot start with this (see conversationInWaitingLine). */
export const priorityLinePrefix = '!';

/** Positions on a group's member ring: 0 … 2^32 - 1, written as 8 hex digits so they sort as numbers. */
const memberRingSize = 2 ** 32;
const ringPosition = (position: number) =>
  Math.min(memberRingSize - 1, Math.max(0, Math.floor(position))).toString(16).padStart(8, '0');
/**
 * Where an agent sits on the ring of every group they belong to: the first 32 bits of SHA-256 of the id,
 * so agents spread evenly whatever their ids look like (agent-001, agent-002, …) and a window read from a
 * random position is a fair sample.
 */
export const memberRingPosition = (agentId: string): string => createHash('sha256').update(agentId).digest('hex').slice(0, 8);

/** Token partitions per catalogue version (see keys.productToken). */
export const catalogueTokenShards = 16;
const tokenShard = (token: string) => createHash('sha256').update(token).digest().readUInt32BE(0) % catalogueTokenShards;

/** Sequence numbers are zero-padded so the sort key orders them numerically. */
export const padSeq = (seq: number) => String(seq).padStart(12, '0');

export const keys = {
  tenant: (tenantId: string): Key => ({ pk: tenantPrefix(tenantId), sk: 'TENANT' }),
  shop: (tenantId: string, shopId: string): Key => ({ pk: tenantPrefix(tenantId), sk: `SHOP#${shopId}` }),
  shopsOfTenant: (tenantId: string) => ({ pk: tenantPrefix(tenantId), skPrefix: 'SHOP#' }),

  agent: (tenantId: string, agentId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}`, sk: 'AGENT' }),
  /**
   * Membership of an agent in a routing group. gsi1 lists a group's agents by presence, then by their
   * place on the group's ring (memberRingPosition), so the router reads a bounded window of the online
   * ones from a random place: `ONLINE#<ring position>#AGENT#a` (`AWAY#…`, `OFFLINE#…`). Rewritten with the
   * agent's presence whenever it changes (store/agents.ts).
   */
  agentGroupMembership: (tenantId: string, agentId: string, groupId: string, presence: Presence) => ({
    pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}`,
    sk: `GROUP#${groupId}`,
    gsi1pk: `${tenantPrefix(tenantId)}#GROUP#${groupId}`,
    gsi1sk: `${presence.toUpperCase()}#${memberRingPosition(agentId)}#AGENT#${agentId}`,
  }),
  /** Every member of a group, whatever their presence: gsi1sk ends in `AGENT#<agentId>`. */
  agentsOfGroup: (tenantId: string, groupId: string) => ({ gsi1pk: `${tenantPrefix(tenantId)}#GROUP#${groupId}` }),
  /**
   * The online members of a group from `from` (0 ≤ from < 1: how far round the ring) to the end of the
   * ring (`from` … `end`), and from its start up to `from` (`start` … `from`): two ranges that together go
   * once round the ring. '$' sorts right after '#', so `ONLINE$` is past every online member.
   */
  onlineAgentsOfGroup: (tenantId: string, groupId: string, from: number) => ({
    gsi1pk: `${tenantPrefix(tenantId)}#GROUP#${groupId}`,
    start: 'ONLINE#',
    from: `ONLINE#${ringPosition(from * memberRingSize)}`,
    end: 'ONLINE$',
  }),

  /** One live WebSocket connection of a user; expires on its own because $disconnect may never arrive. */
  connection: (tenantId: string, userId: string, connectionId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#USER#${userId}`,
    sk: `CONN#${connectionId}`,
  }),
  connectionsOfUser: (tenantId: string, userId: string) => ({ pk: `${tenantPrefix(tenantId)}#USER#${userId}`, skPrefix: 'CONN#' }),
  /**
   * How many messages a user's send handlers have leased in one fixed window (epoch seconds of its start),
   * across every Lambda instance; expires with the window. Next to the user's connections, which are read
   * with begins_with `CONN#` and so never meet it.
   */
  userMessageBudget: (tenantId: string, userId: string, windowStartSeconds: number): Key => ({
    pk: `${tenantPrefix(tenantId)}#USER#${userId}`,
    sk: `RATE#MSG#${windowStartSeconds}`,
  }),

  /** A single-use connect ticket; its random id is the secret, so it needs no tenant prefix to be found. */
  connectTicket: (ticketId: string): Key => ({ pk: `TICKET#${ticketId}`, sk: 'TICKET' }),

  conversation: (tenantId: string, conversationId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#CONV#${conversationId}`,
    sk: 'CONV',
  }),
  message: (tenantId: string, conversationId: string, seq: number): Key => ({
    pk: `${tenantPrefix(tenantId)}#CONV#${conversationId}`,
    sk: `MSG#${padSeq(seq)}`,
  }),
  messagesOfConversation: (tenantId: string, conversationId: string) => ({
    pk: `${tenantPrefix(tenantId)}#CONV#${conversationId}`,
    skPrefix: 'MSG#',
  }),
  /** Claims a client message id for one sender, so a resend maps to the original sequence number. */
  clientMessageClaim: (tenantId: string, conversationId: string, senderId: string, clientMessageId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#CONV#${conversationId}`,
    sk: `CMID#${senderId}#${clientMessageId}`,
  }),
  /**
   * A buyer as seen by one shop: the open conversation (at most one: set with a condition) and the agent
   * who served them last, for stickiness.
   */
  buyerAtShop: (tenantId: string, shopId: string, buyerId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#BUYER#${buyerId}`,
    sk: 'BUYER',
  }),
  /**
   * Conversation head gsi1 (one of the two at a time): the assignee's open list while assigned, the
   * shop's waiting line for a stage while waiting; removed on close. gsi1sk orders by opening time.
   */
  conversationInAssigneeList: (tenantId: string, agentId: string, openedAt: string, conversationId: string) => ({
    gsi1pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#OPEN`,
    gsi1sk: `${openedAt}#${conversationId}`,
  }),
  openConversationsOfAgent: (tenantId: string, agentId: string) => ({ gsi1pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#OPEN` }),
  /**
   * A conversation's place in its waiting line: by opening time, or, handed over by the FAQ robot, at the
   * front by hand-off time (`!` sorts before every ISO time: priority, issue 8 §3).
   */
  conversationInWaitingLine: (tenantId: string, shopId: string, stage: string, openedAt: string, conversationId: string, priorityAt?: string) => ({
    gsi1pk: `${tenantPrefix(tenantId)}#WAIT#${shopId}#${stage}`,
    gsi1sk: priorityAt === undefined ? `${openedAt}#${conversationId}` : `${priorityLinePrefix}${priorityAt}#${conversationId}`,
  }),
  waitingLine: (tenantId: string, shopId: string, stage: string) => ({ gsi1pk: `${tenantPrefix(tenantId)}#WAIT#${shopId}#${stage}` }),
  /** Conversation head gsi2: the agent-day (service day, see serviceDay()) its response facts count towards. */
  conversationOnAgentDay: (tenantId: string, agentId: string, day: string, conversationId: string) => ({
    gsi2pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#DAY#${day}`,
    gsi2sk: `CONV#${conversationId}`,
  }),
  conversationsOfAgentDay: (tenantId: string, agentId: string, day: string) => ({
    gsi2pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#DAY#${day}`,
  }),
  /** A buyer's conversations across shops, newest last (append-only; the head says whether it is open). */
  buyerConversation: (tenantId: string, buyerId: string, openedAt: string, conversationId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#BUYER#${buyerId}`,
    sk: `CONV#${openedAt}#${conversationId}`,
  }),
  conversationsOfBuyer: (tenantId: string, buyerId: string) => ({ pk: `${tenantPrefix(tenantId)}#BUYER#${buyerId}`, skPrefix: 'CONV#' }),

  /** A transfer or reassignment of a conversation, with its note, in order. */
  conversationTransfer: (tenantId: string, conversationId: string, at: string, transferId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#CONV#${conversationId}#XFER`,
    sk: `XFER#${at}#${transferId}`,
  }),
  transfersOfConversation: (tenantId: string, conversationId: string) => ({
    pk: `${tenantPrefix(tenantId)}#CONV#${conversationId}#XFER`,
    skPrefix: 'XFER#',
  }),
  /**
   * Idle-close timer of an assigned conversation, due at `dueAt` (ISO). The one key family that does not
   * start with the tenant: the idle-close schedule sweeps every tenant's due timers, so the partition is a
   * shard (0..idleCheckShards-1, from a hash of tenant and conversation) and the tenant is in the sort key.
   * Never reachable from a client request.
   */
  idleCheck: (shard: number, dueAt: string, tenantId: string, conversationId: string): Key => ({
    pk: `IDLE#${shard}`,
    sk: `${dueAt}#${tenantPrefix(tenantId)}#CONV#${conversationId}`,
  }),
  /** Holds nothing and belongs to no tenant: GET /health reads it only to see the table answer. */
  healthProbe: (): Key => ({ pk: 'HEALTH', sk: 'HEALTH' }),
  idleChecksOfShard: (shard: number) => ({ pk: `IDLE#${shard}` }),

  /**
   * A quick reply, or its version in a promo content set (issue 10 §2): the set is part of the key, in the
   * same library partition, so one Query lists a library with each shortcut's set versions right after it
   * (`#` sorts below every shortcut character) and a send resolves the set's version with one more GetItem
   * per library. Set names are ids (no `#`), so `QR#/hi#SET#double11` cannot collide with a shortcut.
   */
  quickReply: (tenantId: string, scope: string, shortcut: string, contentSet?: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#QR#${scope}`,
    sk: contentSet === undefined ? `QR#${shortcut}` : `QR#${shortcut}#SET#${contentSet}`,
  }),
  quickRepliesOfScope: (tenantId: string, scope: string) => ({ pk: `${tenantPrefix(tenantId)}#QR#${scope}`, skPrefix: 'QR#' }),
  /** The scope segment of a quick-reply library key: tenant-wide, one shop's, or one agent's own. */
  quickReplyScope: (scope: LibraryScope): string =>
    scope.kind === 'tenant' ? 'TENANT' : scope.kind === 'shop' ? `SHOP#${scope.shopId}` : `AGENT#${scope.agentId}`,
  /** A library's head: how many replies it holds, so a library cannot grow without bound (OWASP API4). */
  quickReplyLibrary: (tenantId: string, scope: string): Key => ({ pk: `${tenantPrefix(tenantId)}#QR#${scope}`, sk: 'LIBRARY' }),
  /**
   * The variant of a quick reply last sent in a conversation. Its own partition, so queries of the
   * conversation's partition (messages newest first) never meet it.
   */
  quickReplyRotation: (tenantId: string, conversationId: string, shortcut: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#CONV#${conversationId}#QRROT`,
    sk: `QR#${shortcut}`,
  }),
  // ---- response clock (issue 7 §4; docs/orders-design.md "Response clock, as built") ----
  /** A shop's response policy; its own partition, so the tenant's shop list (pk T#t, SHOP#…) never meets it. */
  responsePolicy: (tenantId: string, shopId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#POLICY`, sk: 'RESPONSE' }),
  /**
   * A supervisor of a shop who connected lately (written at $connect from the token's shops, living as
   * long as a connection): who gets a shop's live alerts, since supervisors are identities, not records.
   */
  shopSupervisor: (tenantId: string, shopId: string, userId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#SUPERVISORS`,
    sk: `USER#${userId}`,
  }),
  supervisorsOfShop: (tenantId: string, shopId: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#SUPERVISORS`, skPrefix: 'USER#' }),
  /**
   * The outcome of one response round (met, missed, not counted), filed under the shop's local day of the
   * question (`day` in the policy's zone; times inside are UTC), with the responsible agent as an
   * attribute. No index: a second key on gsi2 would double the write (2 units) on every answering reply,
   * and an agent's day is the sum of the few shop-days they serve.
   */
  roundOutcome: (tenantId: string, shopId: string, day: string, questionAt: string, conversationId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#ROUNDS#${day}`,
    sk: `${questionAt}#${conversationId}`,
  }),
  roundOutcomesOfShopDay: (tenantId: string, shopId: string, day: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#ROUNDS#${day}` }),
  /** Claims one alert of one round (kind `at-risk`), so a redelivered check alerts once. Own partition, TTL 8 days. */
  roundAlert: (tenantId: string, conversationId: string, questionAt: string, kind: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#CONV#${conversationId}#ROUND`,
    sk: `${questionAt}#${kind}`,
  }),
  // ── Order ingestion (issue 7 §1; docs/orders-design.md §9) ──────────────────────────────────────
  /**
   * A shop's order integration: platform, seller id, sealed webhook secrets and API credentials. gsi2
   * files it under one of `orderShopShards` shards so the pull connector and the reconciliation sweep
   * list integrations without a Scan (`ORDERSHOPS#<shard>`, sk the shop).
   */
  orderIntegration: (tenantId: string, shopId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#INTEGRATION`, sk: 'ORDERS' }),
  orderIntegrationInShopList: (tenantId: string, shopId: string) => ({
    gsi2pk: `ORDERSHOPS#${orderShopShard(tenantId, shopId)}`,
    gsi2sk: `${tenantPrefix(tenantId)}#SHOP#${shopId}`,
  }),
  orderShopsOfShard: (shard: number) => ({ gsi2pk: `ORDERSHOPS#${shard}` }),
  /**
   * A webhook endpoint, found by the opaque id in a public URL (no token, so no tenant to prefix with):
   * the id is 128 random bits, and the item names the tenant, shop and platform it belongs to.
   */
  webhookEndpoint: (endpointId: string): Key => ({ pk: `WEBHOOK#${endpointId}`, sk: 'ENDPOINT' }),
  /**
   * What ingestion set aside for a shop on a UTC day: events ignored (a topic kefu does not model) and
   * authentic events rejected for their content, each with its reason (TTL 30 days).
   */
  orderEventLogEntry: (tenantId: string, shopId: string, day: string, receivedAt: string, platform: string, entryId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#INGESTLOG#${day}`,
    sk: `${receivedAt}#${platform}#${entryId}`,
  }),
  orderEventLogOfDay: (tenantId: string, shopId: string, day: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#INGESTLOG#${day}` }),

  // ---- promo mode (issue 10) ----
  /** A tenant's promo calendar: one item per promo, its phases inside (≤ 12). */
  promo: (tenantId: string, promoId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#PROMO`, sk: `PROMO#${promoId}` }),
  promosOfTenant: (tenantId: string) => ({ pk: `${tenantPrefix(tenantId)}#PROMO`, skPrefix: 'PROMO#' }),
  /** Who changed or triggered what in a promo, when (append-only). */
  promoAudit: (tenantId: string, promoId: string, at: string, eventId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#PROMO#${promoId}#AUDIT`,
    sk: `AUDIT#${at}#${eventId}`,
  }),
  promoAuditOfPromo: (tenantId: string, promoId: string) => ({ pk: `${tenantPrefix(tenantId)}#PROMO#${promoId}#AUDIT`, skPrefix: 'AUDIT#' }),
  /**
   * Region capacity (warm throughput, provisioned concurrency…) is shared by every tenant of the region,
   * so these do not start with a tenant: one partition holds each promo phase's capacity ask (the tenant
   * in the sort key, written with the promo) and the actual state the capacity control last reached.
   * Read only by the capacity control schedule and by status/validation, which show region figures,
   * never another tenant's ids.
   */
  capacityAsk: (tenantId: string, promoId: string, phaseId: string): Key => ({
    pk: 'REGION#CAPACITY',
    sk: `ASK#${tenantPrefix(tenantId)}#${promoId}#${phaseId}`,
  }),
  capacityAsks: () => ({ pk: 'REGION#CAPACITY', skPrefix: 'ASK#' }),
  capacityActual: (): Key => ({ pk: 'REGION#CAPACITY', sk: 'ACTUAL' }),
  /** A time-limited staff account (a militia member): when it starts and expires, what it may do. */
  account: (tenantId: string, userId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#ACCOUNT#${userId}`, sk: 'ACCOUNT' }),
  // ---- orders (issue 7 §2; docs/orders-design.md §5) ----
  /**
   * The dedupe claim of one platform message (platform + messageId, per tenant), kept ≥ 7 days by TTL with
   * a hash of the envelope: the same id with other content is refused, not taken as a duplicate.
   * Platform message ids are opaque strings; the key only ever matches them exactly.
   */
  orderEventClaim: (tenantId: string, platform: string, messageId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#INGEST#${platform}#${messageId}`,
    sk: 'MSG',
  }),
  /** One platform order of a shop: the whole OrderState, with a stored revision for conditional puts. */
  order: (tenantId: string, shopId: string, platform: string, orderId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#ORDER#${platform}#${orderId}`,
    sk: 'ORDER',
  }),
  /**
   * Order gsi1: a platform buyer's orders at a shop, newest activity first (ScanIndexForward false).
   * Platform buyer ids are app-scoped per platform, so the platform is not in the partition.
   */
  orderOfPlatformBuyer: (tenantId: string, shopId: string, platformBuyerId: string, lastActivityAt: string, platform: string, orderId: string) => ({
    gsi1pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#PBUYER#${platformBuyerId}#ORDERS`,
    gsi1sk: `${lastActivityAt}#${platform}#${orderId}`,
  }),
  ordersOfPlatformBuyer: (tenantId: string, shopId: string, platformBuyerId: string) => ({
    gsi1pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#PBUYER#${platformBuyerId}#ORDERS`,
  }),
  /** A refund by its platform id → the order holding it (put once; never moved to another order). */
  refundPointer: (tenantId: string, shopId: string, platform: string, refundId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#REFUND#${platform}#${refundId}`,
    sk: 'REFUND',
  }),
  /**
   * Which kefu buyer a platform buyer of a shop is (an explicit link; without one the ids are equal, see
   * shared/orders/buyer-link.ts). Per shop, like the order index: a shop sells on one platform.
   */
  platformBuyerLink: (tenantId: string, shopId: string, platformBuyerId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#PBUYER#${platformBuyerId}`,
    sk: 'LINK',
  }),
  /**
   * Why a conversation's stage changed (orders): reason and deciding order. Ordered by the head's
   * assignmentVersion the change wrote, which only grows, so two changes in one millisecond keep their order.
   */
  conversationStageChange: (tenantId: string, conversationId: string, assignmentVersion: number): Key => ({
    pk: `${tenantPrefix(tenantId)}#CONV#${conversationId}#STAGE`,
    sk: `STAGE#${String(assignmentVersion).padStart(10, '0')}`,
  }),

  // ---- After-sales cases (issue 7 §3; shared/store/cases.ts, docs/orders-design.md §4) ----
  /** The case head: everything but the timeline, with `rev` for conditional updates. */
  afterSalesCase: (tenantId: string, caseId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#CASE#${caseId}`, sk: 'CASE' }),
  /** One timeline entry of a case, in order: its own item, so a long case never nears the 400 KB item limit. */
  caseTimelineEntry: (tenantId: string, caseId: string, index: number): Key => ({
    pk: `${tenantPrefix(tenantId)}#CASE#${caseId}`,
    sk: `TL#${String(index).padStart(6, '0')}`,
  }),
  caseTimeline: (tenantId: string, caseId: string) => ({ pk: `${tenantPrefix(tenantId)}#CASE#${caseId}`, skPrefix: 'TL#' }),
  /** A case listed under its order, in the order's partition (written with the case, never moved). */
  caseOfOrder: (tenantId: string, shopId: string, platform: string, orderId: string, caseId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#ORDER#${platform}#${orderId}`,
    sk: `CASE#${caseId}`,
  }),
  casesOfOrder: (tenantId: string, shopId: string, platform: string, orderId: string) => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#ORDER#${platform}#${orderId}`,
    skPrefix: 'CASE#',
  }),
  /** Case head gsi1 while unfinished and owned: the owner's list, soonest SLA first (`~` sorts a case with no SLA last). */
  caseInOwnerList: (tenantId: string, agentId: string, slaDueAt: string | undefined, caseId: string) => ({
    gsi1pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#CASES`,
    gsi1sk: `${slaDueAt ?? '~'}#${caseId}`,
  }),
  casesOfOwner: (tenantId: string, agentId: string) => ({ gsi1pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#CASES` }),
  /** Case head gsi1 while unfinished and unowned: the shop's line of cases waiting for an owner, oldest first. */
  caseInUnownedLine: (tenantId: string, shopId: string, openedAt: string, caseId: string) => ({
    gsi1pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CASES#UNOWNED`,
    gsi1sk: `${openedAt}#${caseId}`,
  }),
  unownedCasesOfShop: (tenantId: string, shopId: string) => ({ gsi1pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CASES#UNOWNED` }),
  /**
   * Case head gsi2: the shop's cases by state. Unfinished states sort by SLA (overdue = sk < now), finished
   * ones by when they ended.
   */
  caseInShopState: (tenantId: string, shopId: string, state: string, sortTime: string | undefined, caseId: string) => ({
    gsi2pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CASES#${state}`,
    gsi2sk: `${sortTime ?? '~'}#${caseId}`,
  }),
  casesOfShopInState: (tenantId: string, shopId: string, state: string) => ({ gsi2pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CASES#${state}` }),
  /** A shop's after-sales settings: deadline rule overrides, safety margin, warning points, case cap, who is alerted. */
  caseSettings: (tenantId: string, shopId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CASES`, sk: 'SETTINGS' }),
  /**
   * The deadline sweep's due-time index: one entry per case at the minute its next warning is due. Like the
   * idle-close timers it belongs to no tenant (the sweep serves all; the tenant is in the sort key and never
   * reachable from a request). The partition is an hour and a shard, the sort key starts with the minute:
   * each minute's bucket is a sort-key range, so the sweep reads a minute with one Query per shard and
   * catches up an hour of missed minutes with the same 16 Queries (a partition per minute would take 16 a
   * minute, 23,040 for a day).
   */
  caseDue: (dueMinute: string, shard: number, tenantId: string, caseId: string): Key => ({
    pk: `CASEDUE#${dueMinute.slice(0, 13)}#${shard}`,
    sk: `${dueMinute}#${tenantPrefix(tenantId)}#CASE#${caseId}`,
  }),
  caseDueHour: (hour: string, shard: number) => ({ pk: `CASEDUE#${hour}#${shard}` }),
  /** The last minute the deadline sweep finished (conditional advance: a second run of a minute reads nothing, row 25). */
  caseSweepCursor: (name: string): Key => ({ pk: `SWEEP#${name}`, sk: 'CURSOR' }),
  // ---- outreach (issue 8; shared/store/outreach.ts, docs/outreach-design.md) ----
  /**
   * One outreach task: its whole state and `status` (a cancel is one conditional update of this item, O(1)).
   * gsi1 while a delivery callback sits in an agent's work list, soonest due first.
   */
  outreachTask: (tenantId: string, taskId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#OUTREACH#${taskId}`, sk: 'TASK' }),
  outreachTaskInAgentList: (tenantId: string, agentId: string, dueAt: string, taskId: string) => ({
    gsi1pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#OUTREACH`,
    gsi1sk: `${dueAt}#${taskId}`,
  }),
  outreachTasksOfAgent: (tenantId: string, agentId: string) => ({ gsi1pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#OUTREACH` }),
  /**
   * The outreach due-time index: one partition per minute and shard (`OUTDUE#<minute>#<shard>`), the
   * tenant and task in the sort key (`<phase>#T#<tenant>#<taskId>`). Like the case index it belongs to no
   * tenant (the sweep serves all) and is never reachable from a request. A partition per minute, not per
   * hour: a Double 11 minute holds up to a million entries, and each shard of it must take its ~1/64 of
   * the writes and be drained in parallel.
   */
  outreachDue: (dueMinute: string, shard: number, phase: string, tenantId: string, taskId: string): Key => ({
    pk: `OUTDUE#${dueMinute}#${shard}`,
    sk: `${phase}#${tenantPrefix(tenantId)}#${taskId}`,
  }),
  outreachDueBucket: (dueMinute: string, shard: number) => ({ pk: `OUTDUE#${dueMinute}#${shard}` }),
  /** A shop's outreach settings; the shop's outreach partition also holds its day counters below. */
  outreachSettings: (tenantId: string, shopId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#OUTREACH`, sk: 'SETTINGS' }),
  /** Coupon money committed on a shop's local day (conditional ADD: never past the budget). */
  couponBudgetDay: (tenantId: string, shopId: string, day: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#OUTREACH`, sk: `BUDGET#${day}` }),
  /** SMS sent by a shop on a local day, against its ramp-up allowance. */
  smsDay: (tenantId: string, shopId: string, day: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#OUTREACH`, sk: `SMS#${day}` }),
  /** A shop's send tokens in one second (its token bucket after the queue), expiring with the window. */
  outreachShopRate: (tenantId: string, shopId: string, second: number): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#OUTREACH`, sk: `RATE#${second}` }),
  /**
   * A platform's send tokens in one second, across every tenant: the platform's quota is per app (one
   * kefu deployment), so like region capacity it starts with no tenant and holds only a count.
   */
  outreachPlatformRate: (platform: string, second: number): Key => ({ pk: `OUTRATE#${platform}#${second}`, sk: 'RATE' }),
  /** A buyer's outreach on a local day across a brand's shops: the set of task ids sent (size ≤ the cap). */
  outreachBuyerDay: (tenantId: string, brandId: string, buyerId: string, day: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#BRAND#${brandId}#BUYER#${buyerId}#OUTREACH`,
    sk: `DAY#${day}`,
  }),
  /** A buyer's opt-out (退订) from a brand's outreach, in the same partition. */
  outreachOptOut: (tenantId: string, brandId: string, buyerId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#BRAND#${brandId}#BUYER#${buyerId}#OUTREACH`,
    sk: 'OPTOUT',
  }),
  /** One coupon issuance (its own idempotency key); written with the budget it spends, in one transaction. */
  couponIssuance: (tenantId: string, couponId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#COUPON#${couponId}`, sk: 'COUPON' }),
  // ---- onboarding (issue 12): tenants' lifecycle, audit log, shop catalogues, imports ----
  /**
   * A tenant whose deletion was confirmed, due for purging at `purgeAfter` (ISO). Like idleCheck, not
   * under the tenant's prefix: the purge schedule lists every tenant's due tombstones with one Query.
   */
  tenantPurgeDue: (purgeAfter: string, tenantId: string): Key => ({ pk: 'TENANT-PURGE', sk: `${purgeAfter}#${tenantPrefix(tenantId)}` }),
  tenantPurgesDue: () => ({ pk: 'TENANT-PURGE' }),
  /** A tenant's audit log: one partition, newest last by sort key (`AUDIT#<at>#<entryId>`), expiring by TTL. */
  auditEntry: (tenantId: string, at: string, entryId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#AUDIT`, sk: `AUDIT#${at}#${entryId}` }),
  auditLog: (tenantId: string) => ({ pk: `${tenantPrefix(tenantId)}#AUDIT`, skPrefix: 'AUDIT#' }),
  /** A shop's catalogue head (active version, version counter) and its imports (`IMPORT#<id>`, batch markers under it). */
  catalogue: (tenantId: string, shopId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CAT`, sk: 'HEAD' }),
  catalogueImport: (tenantId: string, shopId: string, importId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CAT`,
    sk: `IMPORT#${importId}`,
  }),
  /** Written once per batch with the import's progress, so a redelivered batch is not counted twice. */
  catalogueImportBatch: (tenantId: string, shopId: string, importId: string, batch: number): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CAT`,
    sk: `IMPORT#${importId}#BATCH#${String(batch).padStart(6, '0')}`,
  }),
  /** One version of a shop's catalogue: a product per SKU, sorted by SKU so a prefix is one Query. */
  product: (tenantId: string, shopId: string, version: number, sku: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CAT#V#${version}`,
    sk: `P#${sku}`,
  }),
  productsOfVersion: (tenantId: string, shopId: string, version: number) => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CAT#V#${version}`,
    skPrefix: 'P#',
  }),
  /**
   * A title word of a product (`<word>#<sku>`), in one of catalogueTokenShards partitions per version
   * chosen by a hash of the word, so a 50,000-row import spreads its token writes and a word's SKUs are
   * one Query: `begins_with(sk, '<word>#')`.
   */
  productToken: (tenantId: string, shopId: string, version: number, token: string, sku: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CAT#V#${version}#W#${tokenShard(token)}`,
    sk: `${token}#${sku}`,
  }),
  productsWithToken: (tenantId: string, shopId: string, version: number, token: string) => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#CAT#V#${version}#W#${tokenShard(token)}`,
    skPrefix: `${token}#`,
  }),
  // ---- the FAQ robot (issue 8 §3; docs/robot.md) ----
  /** A shop's FAQ entry; the shop's entries are one partition (one Query builds its index). */
  faqEntry: (tenantId: string, shopId: string, faqId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#FAQ`, sk: `FAQ#${faqId}` }),
  faqEntriesOfShop: (tenantId: string, shopId: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#FAQ`, skPrefix: 'FAQ#' }),
  /** The shop's robot settings and its FAQ version (bumped in the same transaction as every entry change). */
  robotSettings: (tenantId: string, shopId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#ROBOT`, sk: 'SETTINGS' }),
  /** The robot's counters of one shop-local day. */
  robotDay: (tenantId: string, shopId: string, day: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#ROBOT`, sk: `DAY#${day}` }),
  robotDaysOfShop: (tenantId: string, shopId: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#ROBOT`, skPrefix: 'DAY#' }),
  tokenPartitionsOfVersion: (tenantId: string, shopId: string, version: number): string[] =>
    Array.from({ length: catalogueTokenShards }, (_, shard) => `${tenantPrefix(tenantId)}#SHOP#${shopId}#CAT#V#${version}#W#${shard}`),
  // ---- QC and scorecards (issue 9 §2–3); see docs/qc-and-scorecards.md ----
  /** A shop's QC rubric of one stage; the shop's rubrics are one Query on `begins_with(sk, 'RUBRIC#')`. */
  qcRubric: (tenantId: string, shopId: string, stage: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#QC`, sk: `RUBRIC#${stage}` }),
  qcRubricsOfShop: (tenantId: string, shopId: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#QC`, skPrefix: 'RUBRIC#' }),
  /**
   * A shop's QC settings. Its gsi2 (qcShopListing) files the shop under one of `qcShopShards` shards, so
   * the cycle job finds every shop that has QC set up with a few Queries and no Scan.
   */
  qcSettings: (tenantId: string, shopId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#QC`, sk: 'SETTINGS' }),
  qcShopListing: (tenantId: string, shopId: string) => ({ gsi2pk: `QCSHOPS#${qcShopShard(tenantId, shopId)}`, gsi2sk: `${tenantPrefix(tenantId)}#SHOP#${shopId}` }),
  qcShopsOfShard: (shard: number) => ({ gsi2pk: `QCSHOPS#${shard}` }),
  /** A conversation's QC partition: its automatic check result (`AUTO`, written once) and its reviews. */
  qcAutoScore: (tenantId: string, conversationId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#QCCONV#${conversationId}`, sk: 'AUTO' }),
  /**
   * One review. gsi1: the reviewed agent's reviews by time (their own list, pass rates per cycle or
   * month); gsi2 while a dispute is open: the shop's open disputes, oldest first.
   */
  qcReview: (tenantId: string, conversationId: string, reviewId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#QCCONV#${conversationId}`, sk: `REVIEW#${reviewId}` }),
  qcReviewsOfConversation: (tenantId: string, conversationId: string) => ({ pk: `${tenantPrefix(tenantId)}#QCCONV#${conversationId}`, skPrefix: 'REVIEW#' }),
  qcReviewOfAgent: (tenantId: string, agentId: string, createdAt: string, reviewId: string) => ({
    gsi1pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#QCREVIEWS`,
    gsi1sk: `${createdAt}#${reviewId}`,
  }),
  qcReviewsOfAgent: (tenantId: string, agentId: string) => ({ gsi1pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#QCREVIEWS` }),
  qcOpenDispute: (tenantId: string, shopId: string, disputedAt: string, reviewId: string) => ({
    gsi2pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#QCDISPUTES`,
    gsi2sk: `${disputedAt}#${reviewId}`,
  }),
  qcOpenDisputesOfShop: (tenantId: string, shopId: string) => ({ gsi2pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#QCDISPUTES` }),
  /** A shop's frozen sample of one cycle: `HEAD` (written last, conditionally: the cycle is frozen) and one `CONV#<id>` per entry. */
  qcSampleHead: (tenantId: string, shopId: string, cycle: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#QCSAMPLE#${cycle}`, sk: 'HEAD' }),
  qcSampleEntry: (tenantId: string, shopId: string, cycle: string, conversationId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#QCSAMPLE#${cycle}`,
    sk: `CONV#${conversationId}`,
  }),
  qcSampleEntries: (tenantId: string, shopId: string, cycle: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#QCSAMPLE#${cycle}`, skPrefix: 'CONV#' }),
  /** A shop's scorecard configuration. */
  scorecardConfig: (tenantId: string, shopId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#SCORECARD`, sk: 'CONFIG' }),
  /** Manual scorecard items of one agent and month (learning, team, bonus/penalty); a month is one Query. */
  scorecardManual: (tenantId: string, shopId: string, month: string, agentId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#SCORECARD`,
    sk: `MANUAL#${month}#${agentId}`,
  }),
  scorecardManualOfMonth: (tenantId: string, shopId: string, month: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#SCORECARD`, skPrefix: `MANUAL#${month}#` }),
  // ---- KPIs (issue 9; shared/store/kpi-aggregates.ts, docs/kpi-design.md) ----
  /**
   * One KPI bucket: a shop-local hour of one owner (`SHOP`, `AGENT#<id>`, `GROUP#<id>`), in a partition
   * per shop and local day; the sort key starts with the owner, so one owner's day is one Query
   * (begins_with `<owner>#H`). Attributed counters live in their own bucket per attribution-rule version
   * (`#R<version>`), so a recompute never disturbs what reads show.
   */
  kpiBucket: (tenantId: string, shopId: string, day: string, hour: string, owner: string, ruleVersion?: number): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#KPI#${day}`,
    sk: `${owner}#H${hour}${ruleVersion === undefined ? '' : `#R${ruleVersion}`}`,
  }),
  kpiBucketsOfOwnerDay: (tenantId: string, shopId: string, day: string, owner: string) => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#KPI#${day}`,
    skPrefix: `${owner}#H`,
  }),
  /** Claims one KPI fact (a stream record's, an order's attribution): written in the counters' transaction, so it counts once. */
  kpiFactClaim: (tenantId: string, shopId: string, factId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#KPIFACT#${factId}`, sk: 'CLAIM' }),
  /** A shop's attribution rule (mode, inquiry window, version). */
  attributionRule: (tenantId: string, shopId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#KPI`, sk: 'RULE' }),
  /** A reception of a buyer at a shop (`<at>#<conversation>#<agent>`), in time order: attribution's candidates. */
  kpiReception: (tenantId: string, shopId: string, buyerId: string, at: string, conversationId: string, agentId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#BUYER#${buyerId}#KPIRCPT`,
    sk: `${at}#${conversationId}#${agentId}`,
  }),
  kpiReceptionsOfBuyer: (tenantId: string, shopId: string, buyerId: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#BUYER#${buyerId}#KPIRCPT` }),
  /** An order's attribution fact, under the UTC month it was placed (or paid), so a recompute reads a month with one Query. */
  kpiOrderFact: (tenantId: string, shopId: string, month: string, platform: string, orderId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#KPIORDERS#${month}`,
    sk: `${platform}#${orderId}`,
  }),
  kpiOrderFactsOfMonth: (tenantId: string, shopId: string, month: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#KPIORDERS#${month}` }),
  /** A supervisor watching a shop's KPIs live (`kpis.watch`), until its TTL. */
  /** A buyer's low rating of an order, by when (QC's targeted samples read a cycle's). */
  kpiLowRating: (tenantId: string, shopId: string, at: string, platform: string, orderId: string): Key => ({
    pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#LOWRATING`,
    sk: `${at}#${platform}#${orderId}`,
  }),
  kpiLowRatingsOfShop: (tenantId: string, shopId: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#LOWRATING` }),
  kpiWatcher: (tenantId: string, shopId: string, userId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#KPIWATCH`, sk: `USER#${userId}` }),
  kpiWatchersOfShop: (tenantId: string, shopId: string) => ({ pk: `${tenantPrefix(tenantId)}#SHOP#${shopId}#KPIWATCH` }),
  /** When an agent's current online session started (presence → online), for online time. */
  kpiOnlineSession: (tenantId: string, agentId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#AGENT#${agentId}#KPI`, sk: 'ONLINE' }),

  // ---- people (issue 12 §2): staff accounts, seats, user imports; militia expiry (issue 10) ----
  /**
   * A staff account of a tenant (who may sign in, with which role and shops, and whether disabled): one
   * partition per tenant, so the admin's list is one Query. Read on every staff request (http-route), at
   * 0.5 RRU eventually consistent; a partition serves 6,000 such reads a second.
   */
  user: (tenantId: string, userId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#USERS`, sk: `USER#${userId}` }),
  usersOfTenant: (tenantId: string) => ({ pk: `${tenantPrefix(tenantId)}#USERS`, skPrefix: 'USER#' }),
  /** Seats in use (active accounts), changed only with a condition against the tenant's plan limit. */
  seatCount: (tenantId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#USERS`, sk: 'SEATS' }),
  /** A user import that reserved its seats (id: hash of the file), so a re-run after a crash does not reserve them twice. */
  userImport: (tenantId: string, importId: string): Key => ({ pk: `${tenantPrefix(tenantId)}#USERS`, sk: `IMPORT#${importId}` }),
  /** A batch of an asynchronous user import, counted once (the imports queue may deliver it twice). */
  userImportBatch: (tenantId: string, importId: string, batch: number): Key => ({ pk: `${tenantPrefix(tenantId)}#USERS`, sk: `IMPORT#${importId}#BATCH#${batch}` }),
  /**
   * When a militia member's account expires: like tenantPurgeDue, one partition across tenants, sorted by
   * the instant, so the expiry sweep reads what is due with one Query (never a Scan).
   */
  militiaExpiryDue: (expiresAt: string, tenantId: string, userId: string): Key => ({
    pk: 'MILITIA-EXPIRY',
    sk: `${expiresAt}#${tenantPrefix(tenantId)}#USER#${userId}`,
  }),
  militiaExpiriesDue: () => ({ pk: 'MILITIA-EXPIRY' }),
  // ---- tenant purge (issue 12 §1; docs/onboarding.md "Tenant deletion") ----
  /**
   * The per-tenant conversation index: gsi2 of the buyer's conversation-list entry (keys.buyerConversation),
   * which the opening transaction writes once and nothing updates, so a conversation never exists without
   * its entry. One partition per tenant, UTC month of opening and shard (conversationIndexShards, from a
   * hash of the id: a midnight step of one tenant stays under a partition's 1,000 writes/s), sorted by
   * opening time. Only the tenant purge reads it (a month's shards, one Query page at a time).
   */
  conversationInTenantIndex: (tenantId: string, openedAt: string, conversationId: string) => ({
    gsi2pk: `${tenantPrefix(tenantId)}#CONVS#${openedAt.slice(0, 7)}#${conversationIndexShard(conversationId)}`,
    gsi2sk: `${openedAt}#${conversationId}`,
  }),
  conversationIndexOfMonth: (tenantId: string, month: string, shard: number) => ({ gsi2pk: `${tenantPrefix(tenantId)}#CONVS#${month}#${shard}` }),
  /** The buyer id in a buyer's conversation-list partition key (what the index's keys-only projection carries). */
  buyerOfConversationList: (tenantId: string, pk: string): string | undefined => {
    const prefix = `${tenantPrefix(tenantId)}#BUYER#`;
    return pk.startsWith(prefix) ? pk.slice(prefix.length) : undefined;
  },
  /**
   * What every key of a tenant's own partitions starts with: `T#<tenant>#`. Tenant ids are idSchema (no
   * `#`), so the terminating `#` makes the prefix exact: `acme`'s never covers `acme2`'s.
   */
  tenantKeyPrefix: (tenantId: string): string => `${tenantPrefix(tenantId)}#`,
  /**
   * What the tenant sweep (the purge's last phase, a Scan: docs/onboarding.md "Tenant deletion") deletes:
   * every key under tenantKeyPrefix; the tenant partition itself (`T#<tenant>`: its shops) but never the
   * tenant item, the `purged` tombstone; and the tenant's entries in the cross-tenant partitions, which
   * name it in the sort key as `<time or phase>#T#<tenant>#…` (idle-close timers, case and outreach
   * due-time entries, militia expiries, capacity asks) or in an attribute (webhook endpoints: `tenantId`;
   * connect tickets: `identity.tenantId`). The purge marker (tenantPurgeDue, sort key ending `#T#<tenant>`
   * with no `#` after it) is none of these: the purge deletes it last itself.
   */
  tenantSweep: (tenantId: string) => ({
    keyPrefix: `${tenantPrefix(tenantId)}#`,
    tenantPk: keys.tenant(tenantId).pk,
    tenantItemSk: keys.tenant(tenantId).sk,
    /** What a cross-tenant sort key holds of its tenant; a Scan filter can only test `contains`, so tenantSweepMatches checks the position. */
    sortKeyInfix: `#${tenantPrefix(tenantId)}#`,
    sortKeyTenantPartitions: crossTenantDuePartitions,
    webhookEndpointPrefix: 'WEBHOOK#',
    connectTicketPrefix: 'TICKET#',
  }),
  /**
   * Whether an item the sweep's Scan returned (its keys and the two tenant attributes it projects) belongs
   * to the tenant, exactly. The Scan filter is a superset: its `contains` would also match another tenant's
   * entry whose own id happened to hold `#T#<tenant>#`; here the tenant must be the sort key's second and
   * third segments (the first, a time or phase, holds no `#`).
   */
  tenantSweepMatches: (tenantId: string, item: Key & { tenantId?: unknown; identity?: { tenantId?: unknown } }): boolean => {
    const sweep = keys.tenantSweep(tenantId);
    if (item.pk.startsWith(sweep.keyPrefix)) return true;
    if (item.pk === sweep.tenantPk) return item.sk !== sweep.tenantItemSk;
    if (item.pk.startsWith(sweep.webhookEndpointPrefix)) return item.tenantId === tenantId;
    if (item.pk.startsWith(sweep.connectTicketPrefix)) return item.identity?.tenantId === tenantId;
    if (!sweep.sortKeyTenantPartitions.some((prefix) => item.pk.startsWith(prefix))) return false;
    const [, marker, tenant, ...rest] = item.sk.split('#');
    return marker === 'T' && tenant === tenantId && rest.length > 0;
  },
  /**
   * Every partition named by a conversation id alone: its head, messages and client-id claims; transfers;
   * quick-reply rotations; stage changes; response-round alerts; its QC scores and reviews. Built from the
   * keys above, so a partition added there is added here by its author (the tenant purge deletes these).
   */
  /**
   * A shop's settings partitions, one each (the tenant purge deletes them with the shop): response policy,
   * supervisors, order integration, case settings, outreach settings and send tokens, FAQ, robot, QC rubrics,
   * scorecard, attribution rule, KPI watchers, low ratings. Index-only lists (gsi1/gsi2) go with their items.
   */
  settingsPartitionsOfShop: (tenantId: string, shopId: string): string[] => [
    keys.responsePolicy(tenantId, shopId).pk,
    keys.shopSupervisor(tenantId, shopId, '').pk,
    keys.orderIntegration(tenantId, shopId).pk,
    keys.caseSettings(tenantId, shopId).pk,
    keys.outreachSettings(tenantId, shopId).pk,
    keys.faqEntry(tenantId, shopId, '').pk,
    keys.robotSettings(tenantId, shopId).pk,
    keys.qcRubric(tenantId, shopId, '').pk,
    keys.scorecardConfig(tenantId, shopId).pk,
    keys.attributionRule(tenantId, shopId).pk,
    keys.kpiWatcher(tenantId, shopId, '').pk,
    keys.kpiLowRating(tenantId, shopId, '', '', '').pk,
  ],
  partitionsOfConversation: (tenantId: string, conversationId: string): string[] => [
    keys.conversation(tenantId, conversationId).pk,
    keys.transfersOfConversation(tenantId, conversationId).pk,
    keys.quickReplyRotation(tenantId, conversationId, '').pk,
    keys.conversationStageChange(tenantId, conversationId, 0).pk,
    keys.roundAlert(tenantId, conversationId, '', '').pk,
    keys.qcAutoScore(tenantId, conversationId).pk,
  ],
} as const;

/**
 * The partitions shared by every tenant whose sort keys name a tenant (`<time or phase>#T#<tenant>#…`):
 * idle-close timers, case and outreach due-time entries, militia expiries, capacity asks. A key family
 * added outside the tenant prefix joins this list (test/unit/tenant-purge-sweep.test.ts checks every
 * builder of keys that names a tenant).
 */
const crossTenantDuePartitions = ['IDLE#', 'CASEDUE#', 'OUTDUE#', 'MILITIA-EXPIRY', 'REGION#CAPACITY'] as const;

/** Shards of the integrations list: enough to keep one partition's reads small at thousands of shops. */
export const orderShopShards = 8;
function orderShopShard(tenantId: string, shopId: string): number {
  return createHash('sha256').update(`${tenantId}#${shopId}`).digest().readUInt8(0) % orderShopShards;
}

/** Shards of the per-tenant conversation index (keys.conversationInTenantIndex): 4 × 1,000 writes/s. */
export const conversationIndexShards = 4;
function conversationIndexShard(conversationId: string): number {
  return createHash('sha256').update(conversationId).digest().readUInt8(0) % conversationIndexShards;
}

/** Shards of the QC shops list (keys.qcSettings), like the integrations list. */
export const qcShopShards = 8;
function qcShopShard(tenantId: string, shopId: string): number {
  return createHash('sha256').update(`qc#${tenantId}#${shopId}`).digest().readUInt8(0) % qcShopShards;
}
