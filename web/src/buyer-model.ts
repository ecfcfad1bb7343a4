import { ConnectedModel, type Connection, DisconnectedError, FrameError, type ServerFrame } from './connection';
import { InOrder } from './in-order';
import type { AckFrame, AgentJoinedFrame, ConversationClosedFrame, InboxFrame, Message, MessageFrame, QueuePositionFrame, ResumedFrame } from './contracts';
import { ConversationLog, newClientMessageId } from './conversation-log';
import type { Api, Session } from './session';
import type { Outgoing } from './workbench-model';

/** A line between messages: someone joined, the conversation was passed on or closed. */
export interface Notice {
  /** Shown after the message with this seq (0: at the top). */
  afterSeq: number;
  kind: 'agentJoined' | 'transferred' | 'reassigned' | 'closed';
  name?: string;
}

/**
 * The buyer's side: one conversation with one shop. The first message opens it (the ack names it); the
 * waiting-line position and who joined arrive as frames; after any drop the socket comes back, finds the
 * open conversation in `hello` and resumes from the last seq held, and unacknowledged sends go again with
 * their clientMessageId (the server answers a resend with the original seq).
 */
export class BuyerModel extends ConnectedModel {
  conversationId: string | undefined;
  log = new ConversationLog();
  outbox: Outgoing[] = [];
  notices: Notice[] = [];
  queuePosition: number | undefined;
  agentNames = new Map<string, string>();

  constructor(
    api: Api,
    private readonly session: Session,
    readonly shopId: string,
    wsUrl: string,
  ) {
    super(api.ticket, wsUrl);
  }

  protected async catchUp(connection: Connection): Promise<void> {
    const inbox: InboxFrame = await connection.request({ action: 'hello' });
    const open = inbox.conversations.find((c) => c.conversationId === this.conversationId) ?? inbox.conversations.find((c) => c.shopId === this.shopId);
    if (open && open.conversationId !== this.conversationId) {
      this.conversationId = open.conversationId;
      this.log = new ConversationLog();
    }
    if (open) this.log.announce(open.lastSeq);
    await this.resume(connection);
    this.settleOutbox();
    this.changed();
    for (const item of this.outbox) void this.deliver(item);
  }

  /** Everything after `through`, page by page. */
  private async resume(connection: Connection): Promise<void> {
    for (let round = 0; this.conversationId && this.log.missing && round < 50; round += 1) {
      const afterSeq = this.log.through;
      const resumed: ResumedFrame = await connection.request({ action: 'resume', conversations: [{ conversationId: this.conversationId, afterSeq }] });
      const page = resumed.pages[0];
      if (!page) break;
      this.log.addPage(page);
      if (!page.hasMore || page.nextAfterSeq === undefined || page.nextAfterSeq <= afterSeq) break;
    }
  }

  private gapCheck = false;
  /** A seq beyond the next one means frames were missed: resume shortly (frames in flight may fill it first). */
  private resumeIfGap(): void {
    if (!this.log.missing || this.gapCheck || !this.connection.isOpen) return;
    this.gapCheck = true;
    setTimeout(() => {
      this.gapCheck = false;
      if (this.log.missing) void this.resume(this.connection).then(() => this.changed(), () => undefined);
    }, 300);
  }

  protected receive(frame: ServerFrame): void {
    switch (frame.type) {
      case 'message': {
        const { conversationId, message } = frame as unknown as MessageFrame;
        if (conversationId !== this.conversationId) return;
        if (this.log.add([message]) > 0) this.queuePosition = undefined;
        this.resumeIfGap();
        break;
      }
      case 'queuePosition': {
        const { conversationId, position } = frame as unknown as QueuePositionFrame;
        if (conversationId === this.conversationId) this.queuePosition = position;
        break;
      }
      case 'agentJoined': {
        const joined = frame as unknown as AgentJoinedFrame;
        if (joined.conversationId !== this.conversationId) return;
        this.agentNames.set(joined.agentId, joined.name);
        this.queuePosition = undefined;
        this.notices.push({ afterSeq: this.log.newest, kind: joined.kind === 'assigned' ? 'agentJoined' : joined.kind, name: joined.name });
        break;
      }
      case 'conversationClosed': {
        const { conversationId } = frame as unknown as ConversationClosedFrame;
        if (conversationId !== this.conversationId) return;
        this.notices.push({ afterSeq: this.log.newest, kind: 'closed' });
        // The next message opens a new conversation.
        this.conversationId = undefined;
        break;
      }
      default:
        return;
    }
    this.changed();
  }

  private settleOutbox(): void {
    this.outbox = this.outbox.filter((item) => !this.log.hasClientMessageId(item.clientMessageId, this.session.me.userId));
  }

  send(text: string): void {
    if (text.trim() === '') return;
    const item: Outgoing = { clientMessageId: newClientMessageId(), text: text.trim() };
    this.outbox.push(item);
    this.changed();
    void this.deliver(item);
  }

  /** One send at a time, so two quick messages keep the order they were typed in (and the second joins the conversation the first opened). */
  private readonly sendOrder = new InOrder();

  private deliver(item: Outgoing): Promise<void> {
    return this.sendOrder.run(() => this.deliverNow(item));
  }

  private async deliverNow(item: Outgoing): Promise<void> {
    // Settled meanwhile (acked, or found by a resume after a drop): nothing to send.
    if (!this.outbox.includes(item)) return;
    try {
      const ack: AckFrame = await this.connection.request({
        action: 'sendMessage',
        shopId: this.shopId,
        ...(this.conversationId ? { conversationId: this.conversationId } : {}),
        clientMessageId: item.clientMessageId,
        text: item.text,
      });
      if (ack.conversationId !== this.conversationId) {
        // A new conversation (the first message, or the first after a close): a fresh log.
        this.conversationId = ack.conversationId;
        this.log = new ConversationLog();
      }
      const message: Message = {
        conversationId: ack.conversationId,
        seq: ack.seq,
        senderId: this.session.me.userId,
        senderRole: 'buyer',
        clientMessageId: item.clientMessageId,
        text: item.text,
        createdAt: ack.createdAt,
      };
      this.log.add([message]);
      this.outbox = this.outbox.filter((o) => o !== item);
      this.resumeIfGap();
    } catch (error) {
      if (!(error instanceof DisconnectedError)) item.error = error instanceof FrameError ? error.frame.code : String(error);
    }
    this.changed();
  }
}
