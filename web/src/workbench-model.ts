import { ConnectedModel, type Connection, DisconnectedError, FrameError, type ServerFrame } from './connection';
import { InOrder } from './in-order';
import type {
  AckFrame,
  AssignedFrame,
  AssignmentOrderCard,
  InboxEntry,
  OrderCardsFrame,
  InboxFrame,
  Message,
  MessageFrame,
  OwnershipAckFrame,
  Presence,
  PresenceAckFrame,
  QuickReplyAckFrame,
  QuickReplyView,
  ResumedFrame,
  UnassignedFrame,
} from './contracts';
import { ConversationLog, newClientMessageId } from './conversation-log';
import { CaseBook } from './cases-model';
import { repliesForShop } from './quick-reply-picker';
import type { Api, Session } from './session';

/** A send the server has not acknowledged yet: shown greyed, resent with the same clientMessageId after a reconnect. */
export interface Outgoing {
  clientMessageId: string;
  text: string;
  shortcut?: string;
  orderNumber?: string;
  error?: string;
}

export interface WorkbenchConversation {
  conversationId: string;
  shopId: string;
  buyerId: string;
  stage: string;
  openedAt: string;
  lastMessageAt: string;
  unread: number;
  /** Set while a buyer question waits for an answer: the list's urgency. */
  pendingQuestionSince?: string;
  transferredBy?: string;
  note?: string;
  log: ConversationLog;
  outbox: Outgoing[];
  /** The buyer's newest orders at the shop: from the `assigned` frame, else asked for with `orders`. */
  orders?: AssignmentOrderCard[];
  /** Anything else a newer `assigned` frame carries (cases…), shown raw in the side slot until it has a view. */
  extras?: Record<string, unknown>;
}

export type ListFilter = 'all' | 'waiting' | 'unread';
/** The protocol's bound on conversations per resume frame (maxResumeConversations). */
const resumeBatch = 20;

/**
 * The agent's side of the protocol, without any UI: the conversations assigned to them across all their
 * shops, each with its message log; catching up after every (re)connect (hello pages, then resume from
 * each conversation's `through`), dedupe by conversation + seq, an outbox resent after drops, and the
 * actions (reply, quick reply, mark read, transfer, close, presence).
 */
export class WorkbenchModel extends ConnectedModel {
  readonly conversations = new Map<string, WorkbenchConversation>();
  presence: Presence | undefined;
  load: number | undefined;
  cap: number | undefined;
  /** Conversations taken away while open on screen: a notice instead of silence. */
  readonly gone = new Map<string, string>();
  quickReplies: QuickReplyView[] = [];
  /** Per shop, the promo content set in force when the libraries were read (its quick replies are marked 大促). */
  readonly contentSetsInForce = new Map<string, string>();
  lastError: string | undefined;
  private readonly resuming = new Set<string>();
  private sortedCache: { version: number; filter: ListFilter; list: WorkbenchConversation[] } | undefined;
  /** Frames received per second, for the benchmark. */
  framesReceived = 0;
  /** The agent's after-sales cases, fed by the case frames this socket brings. */
  readonly cases: CaseBook;

  constructor(
    private readonly api: Api,
    private readonly session: Session,
    wsUrl: string,
    options: { pingIntervalMs?: number } = {},
  ) {
    super(api.ticket, wsUrl, options);
    this.cases = new CaseBook(api, session.me.userId);
  }

  override start(): void {
    super.start();
    void this.loadQuickReplies();
  }

  get userId(): string {
    return this.session.me.userId;
  }

  /** The list as shown: waiting questions first (oldest wait first), then unread, then the most recent. */
  list(filter: ListFilter): WorkbenchConversation[] {
    if (this.sortedCache?.version === this.version && this.sortedCache.filter === filter) return this.sortedCache.list;
    const list = [...this.conversations.values()]
      .filter((c) => filter === 'all' || (filter === 'waiting' ? c.pendingQuestionSince !== undefined : c.unread > 0))
      .sort(
        (a, b) =>
          Number(b.pendingQuestionSince !== undefined) - Number(a.pendingQuestionSince !== undefined) ||
          (a.pendingQuestionSince ?? '').localeCompare(b.pendingQuestionSince ?? '') ||
          Number(b.unread > 0) - Number(a.unread > 0) ||
          b.lastMessageAt.localeCompare(a.lastMessageAt),
      );
    this.sortedCache = { version: this.version, filter, list };
    return list;
  }

  // ---- catching up ----

  protected async catchUp(connection: Connection): Promise<void> {
    const inbox: InboxEntry[] = [];
    let cursor: string | undefined;
    do {
      const page: InboxFrame = await connection.request({ action: 'hello', ...(cursor ? { cursor } : {}) });
      inbox.push(...page.conversations);
      cursor = page.nextCursor;
    } while (cursor);
    const stillMine = new Set(inbox.map((entry) => entry.conversationId));
    // Taken away while we were disconnected (transferred, closed by idle): the inbox no longer has them.
    for (const id of [...this.conversations.keys()]) if (!stillMine.has(id)) this.drop(id, 'closed');
    for (const entry of inbox) this.upsertFromInbox(entry);
    this.changed();
    await this.resume(connection, [...this.conversations.values()].filter((c) => c.log.missing).map((c) => c.conversationId));
    // What was typed while the socket was down goes now, with its original clientMessageId (idempotent).
    for (const conversation of this.conversations.values()) for (const item of conversation.outbox) void this.deliver(conversation, item);
    if (this.presence) void this.setPresence(this.presence);
    // Case frames sent while the socket was down are not replayed: read the list again.
    void this.cases.reload().catch((error: unknown) => (this.cases.lastError = String(error)));
  }

  private upsertFromInbox(entry: InboxEntry): void {
    const existing = this.conversations.get(entry.conversationId);
    const conversation = existing ?? this.newConversation(entry);
    conversation.unread = entry.unread;
    conversation.lastMessageAt = entry.lastMessageAt;
    conversation.pendingQuestionSince = entry.pendingQuestionSince;
    conversation.log.announce(entry.lastSeq);
    this.conversations.set(entry.conversationId, conversation);
  }

  private newConversation(from: { conversationId: string; shopId: string; buyerId: string; stage: string; openedAt?: string; lastMessageAt?: string }): WorkbenchConversation {
    const now = new Date().toISOString();
    return {
      conversationId: from.conversationId,
      shopId: from.shopId,
      buyerId: from.buyerId,
      stage: from.stage,
      openedAt: from.openedAt ?? now,
      lastMessageAt: from.lastMessageAt ?? now,
      unread: 0,
      log: new ConversationLog(),
      outbox: [],
    };
  }

  /** Every message after each conversation's `through`, page by page, 20 conversations a frame. */
  private async resume(connection: Connection, ids: string[]): Promise<void> {
    let wanted = ids.filter((id) => this.conversations.has(id));
    for (let round = 0; wanted.length > 0 && round < 50; round += 1) {
      const next: string[] = [];
      for (let i = 0; i < wanted.length; i += resumeBatch) {
        const batch = wanted.slice(i, i + resumeBatch).flatMap((id) => {
          const conversation = this.conversations.get(id);
          return conversation ? [{ conversationId: id, afterSeq: conversation.log.through }] : [];
        });
        if (batch.length === 0) continue;
        const resumed: ResumedFrame = await connection.request({ action: 'resume', conversations: batch });
        for (const page of resumed.pages) {
          const conversation = this.conversations.get(page.conversationId);
          if (!conversation) continue;
          conversation.log.addPage(page);
          this.settleOutbox(conversation);
          if (page.hasMore && page.nextAfterSeq !== undefined && page.nextAfterSeq > batch.find((b) => b.conversationId === page.conversationId)!.afterSeq) {
            next.push(page.conversationId);
          }
        }
        this.changed();
      }
      wanted = next;
    }
  }

  private resumeSoon(conversationId: string): void {
    if (this.resuming.has(conversationId) || !this.connection.isOpen) return;
    this.resuming.add(conversationId);
    // A short wait lets frames already in flight fill the gap before asking.
    setTimeout(() => {
      this.resuming.delete(conversationId);
      const conversation = this.conversations.get(conversationId);
      if (conversation?.log.missing) void this.resume(this.connection, [conversationId]).catch(() => undefined);
    }, 300);
  }

  // ---- frames kefu pushes ----

  protected receive(frame: ServerFrame): void {
    this.framesReceived += 1;
    switch (frame.type) {
      case 'assigned':
        return this.onAssigned(frame as unknown as AssignedFrame);
      case 'message':
        return this.onMessage(frame as unknown as MessageFrame);
      case 'unassigned': {
        const { conversationId, reason } = frame as unknown as UnassignedFrame;
        this.drop(conversationId, reason);
        return this.changed();
      }
      default:
        this.cases.receive(frame);
        return;
    }
  }

  private onAssigned(frame: AssignedFrame): void {
    if (!this.conversations.has(frame.conversationId) && this.load !== undefined) this.load += 1;
    const conversation = this.conversations.get(frame.conversationId) ?? this.newConversation(frame);
    this.gone.delete(frame.conversationId);
    conversation.transferredBy = frame.transferredBy;
    conversation.note = frame.note;
    const { type: _type, conversationId: _c, shopId: _s, buyerId: _b, stage: _st, lastSeq: _l, messages: _m, transferredBy: _t, note: _n, orders, ...extras } = frame as AssignedFrame & Record<string, unknown>;
    if (orders) conversation.orders = orders;
    if (Object.keys(extras).length > 0) conversation.extras = extras;
    conversation.log.add(frame.messages);
    conversation.log.announce(frame.lastSeq);
    const last = conversation.log.last();
    if (last) {
      conversation.lastMessageAt = last.createdAt;
      if (last.senderRole === 'buyer') conversation.pendingQuestionSince ??= last.createdAt;
    }
    conversation.unread = Math.max(conversation.unread, frame.messages.filter((m) => m.senderRole === 'buyer').length);
    this.conversations.set(frame.conversationId, conversation);
    if (conversation.log.missing) this.resumeSoon(frame.conversationId);
    this.changed();
  }

  private onMessage(frame: MessageFrame): void {
    const conversation = this.conversations.get(frame.conversationId);
    if (!conversation) return;
    if (conversation.log.add([frame.message]) === 0) return;
    this.settleOutbox(conversation);
    conversation.lastMessageAt = frame.message.createdAt;
    if (frame.message.senderRole === 'buyer') {
      conversation.unread += 1;
      conversation.pendingQuestionSince ??= frame.message.createdAt;
    }
    if (conversation.log.missing) this.resumeSoon(frame.conversationId);
    this.changed();
  }

  private drop(conversationId: string, reason: string): void {
    if (!this.conversations.delete(conversationId)) return;
    this.gone.set(conversationId, reason);
    if (this.load !== undefined) this.load = Math.max(0, this.load - 1);
  }

  /** Sends whose message came back by resume (the ack was lost with the socket) leave the outbox. */
  private settleOutbox(conversation: WorkbenchConversation): void {
    if (conversation.outbox.length === 0) return;
    conversation.outbox = conversation.outbox.filter((item) => !conversation.log.hasClientMessageId(item.clientMessageId, this.userId));
  }

  // ---- actions ----

  send(conversationId: string, text: string): void {
    const conversation = this.conversations.get(conversationId);
    if (!conversation || text.trim() === '') return;
    const item: Outgoing = { clientMessageId: newClientMessageId(), text: text.trim() };
    conversation.outbox.push(item);
    this.changed();
    void this.deliver(conversation, item);
  }

  sendQuickReply(conversationId: string, shortcut: string, orderNumber?: string): void {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) return;
    const item: Outgoing = { clientMessageId: newClientMessageId(), text: shortcut, shortcut, ...(orderNumber ? { orderNumber } : {}) };
    conversation.outbox.push(item);
    this.changed();
    void this.deliver(conversation, item);
  }

  /** One send at a time per conversation, so two quick messages keep the order they were typed in. */
  private readonly sendOrder = new Map<string, InOrder>();

  private deliver(conversation: WorkbenchConversation, item: Outgoing): Promise<void> {
    let order = this.sendOrder.get(conversation.conversationId);
    if (!order) this.sendOrder.set(conversation.conversationId, (order = new InOrder()));
    return order.run(() => this.deliverNow(conversation, item));
  }

  private async deliverNow(conversation: WorkbenchConversation, item: Outgoing): Promise<void> {
    // Settled meanwhile (acked, or found by a resume after a drop): nothing to send.
    if (!conversation.outbox.includes(item)) return;
    if (!this.connection.isOpen && this.connectionState !== 'connecting' && this.connectionState !== 'reconnecting') return;
    try {
      const frame = item.shortcut
        ? { action: 'sendQuickReply', conversationId: conversation.conversationId, clientMessageId: item.clientMessageId, shortcut: item.shortcut, ...(item.orderNumber ? { orderNumber: item.orderNumber } : {}) }
        : { action: 'sendMessage', conversationId: conversation.conversationId, clientMessageId: item.clientMessageId, text: item.text };
      const ack: AckFrame | QuickReplyAckFrame = await this.connection.request(frame);
      const message: Message = {
        conversationId: conversation.conversationId,
        seq: ack.seq,
        senderId: this.userId,
        senderRole: this.session.me.role,
        clientMessageId: item.clientMessageId,
        text: 'text' in ack ? ack.text : item.text,
        createdAt: ack.createdAt,
      };
      conversation.log.add([message]);
      conversation.outbox = conversation.outbox.filter((o) => o !== item);
      conversation.pendingQuestionSince = undefined;
      conversation.lastMessageAt = ack.createdAt;
      if (conversation.log.missing) this.resumeSoon(conversation.conversationId);
    } catch (error) {
      // Disconnected: stays in the outbox and goes again after the reconnect's catch-up.
      if (!(error instanceof DisconnectedError)) item.error = error instanceof FrameError ? error.frame.code : String(error);
    }
    this.changed();
  }

  retry(conversationId: string, clientMessageId: string): void {
    const conversation = this.conversations.get(conversationId);
    const item = conversation?.outbox.find((o) => o.clientMessageId === clientMessageId);
    if (!conversation || !item) return;
    delete item.error;
    void this.deliver(conversation, item);
  }

  markRead(conversationId: string): void {
    const conversation = this.conversations.get(conversationId);
    if (!conversation || conversation.unread === 0 || !this.connection.isOpen) return;
    conversation.unread = 0;
    this.changed();
    void this.connection.request({ action: 'markRead', conversationId, seq: conversation.log.through }).catch(() => undefined);
  }

  async transfer(conversationId: string, target: { toAgentId?: string; toGroupId?: string }, note: string): Promise<void> {
    const ack: OwnershipAckFrame = await this.connection.request({ action: 'transfer', conversationId, ...target, note });
    if (ack.assigneeId !== this.userId) this.drop(conversationId, 'transferred');
    this.changed();
  }

  /** Order cards for a conversation whose `assigned` frame had none (absent when they could not be read). */
  async loadOrders(conversationId: string): Promise<void> {
    const conversation = this.conversations.get(conversationId);
    if (!conversation || conversation.orders !== undefined || !this.connection.isOpen) return;
    try {
      const reply: OrderCardsFrame = await this.connection.request({ action: 'orders', conversationId });
      conversation.orders = reply.orders;
      this.changed();
    } catch {
      // Shown as "no order information"; asked again next time the conversation is opened.
    }
  }

  async close(conversationId: string): Promise<void> {
    await this.connection.request({ action: 'closeConversation', conversationId });
    this.drop(conversationId, 'closed');
    this.changed();
  }

  async setPresence(presence: Presence): Promise<void> {
    this.presence = presence;
    this.changed();
    try {
      const ack: PresenceAckFrame = await this.connection.request({ action: 'setPresence', presence });
      this.load = ack.load;
      this.cap = ack.cap;
    } catch (error) {
      if (!(error instanceof DisconnectedError)) this.lastError = String(error);
    }
    this.changed();
  }

  /** The agent's own, then every shop's, then the tenant's library: the server looks shortcuts up in that order. */
  private async loadQuickReplies(): Promise<void> {
    const all = async (query: string, shopId?: string) => {
      const items: QuickReplyView[] = [];
      let cursor: string | undefined;
      do {
        const page = await this.api.get<{ items: QuickReplyView[]; nextCursor?: string; contentSetInForce?: string }>(
          `/v1/quick-replies?${query}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        items.push(...page.items);
        if (shopId && page.contentSetInForce) this.contentSetsInForce.set(shopId, page.contentSetInForce);
        cursor = page.nextCursor;
      } while (cursor);
      return items;
    };
    const libraries = await Promise.all([
      all('scope=agent'),
      ...this.session.me.shopIds.map((shopId) => all(`scope=shop&shopId=${encodeURIComponent(shopId)}`, shopId).catch(() => [])),
      all('scope=tenant').catch(() => []),
    ]).catch(() => [] as QuickReplyView[][]);
    this.quickReplies = libraries.flat();
    this.changed();
  }

  /** The replies a conversation of `shopId` can use, each shortcut once, as the server resolves them (the shop's promo set first). */
  quickRepliesFor(shopId: string): QuickReplyView[] {
    return repliesForShop(this.quickReplies, shopId, this.contentSetsInForce.get(shopId));
  }
}
