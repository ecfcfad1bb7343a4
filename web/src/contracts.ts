/**
 * The wire shapes the clients speak, imported as types from the backend's zod contracts (the schemas
 * docs/openapi.json and docs/asyncapi.yaml are generated from): one source of truth, nothing copied.
 * Type-only imports: esbuild drops them, so no zod or server code reaches the bundle.
 */
export type { Me, ConnectTicketReply, PongFrame } from '../../shared/contracts/core-schemas';
export type { Message } from '../../shared/conversations/conversation';
export type {
  AckFrame,
  InboxEntry,
  InboxFrame,
  MessageFrame,
  MessagesPage,
  ReadFrame,
  ResumedFrame,
  ResumeFrame,
  BuyerSendMessageFrame,
  StaffSendMessageFrame,
  MarkReadFrame,
  HelloFrame,
} from '../../shared/conversations/frames';
export type {
  AgentJoinedFrame,
  AssignedFrame,
  ConversationClosedFrame,
  OwnershipAckFrame,
  PresenceAckFrame,
  QueuePositionFrame,
  UnassignedFrame,
  WatchAckFrame,
  SetPresenceFrame,
  TransferFrame,
  ReassignFrame,
  CloseConversationFrame,
  WatchFrame,
} from '../../shared/routing/frames';
export type { Presence, Agent } from '../../shared/routing/agent';
export type { Shop, MyShops } from '../../shared/routing/shop';
export type { QuickReplyAckFrame, SendQuickReplyFrame } from '../../shared/quick-replies/frames';
export type { QuickReplyView } from '../../shared/quick-replies/schemas';

import type { z } from 'zod';
import type { errorFrameSchema } from '../../shared/conversations/frames';
import type { errorBodySchema } from '../../shared/contracts/core-schemas';
export type ErrorFrame = z.infer<typeof errorFrameSchema>;
export type ErrorBody = z.infer<typeof errorBodySchema>;
export type { ShopBoard } from '../../shared/routing/shop-board';
export type { AssignmentOrderCard, OrderCardsFrame } from '../../shared/orders/frames';
export type { Money } from '../../shared/orders/envelope';
export type { CaseHead } from '../../shared/store/cases';
export type { CaseOutcome, CaseState } from '../../shared/after-sales/case';
export type { CasePageView as CasePage, CaseOpenedFrame, CaseUpdatedFrame, CaseWarningFrame } from '../../shared/after-sales/case-frames';
export type { KpiReport, KpisWatchAckFrame, KpiUpdatedFrame } from '../../shared/kpi/frames';
export type { KpiFigures, KpiName } from '../../shared/kpi/figures';
