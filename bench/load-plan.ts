/**
 * What the load generator (bench/load-worker.ts, a worker thread) is asked to do, and what it reports
 * back. Plain data: it crosses the worker boundary by structured clone.
 */

export interface PlannedAgent {
  userId: string;
  token: string;
  /** Answers per second this agent can type; undefined answers every question at once. */
  answerRatePerSecond?: number;
}

export interface PlannedBuyer {
  userId: string;
  token: string;
  shopId: string;
  /** double11: questions this buyer sends back to back in the burst. */
  burstQuestions?: number;
}

export interface SteadyLoad {
  /** Buyer questions per second; agents answer each, so messages/s is twice this. */
  questionsPerSecond: number;
  warmupSeconds: number;
  measureSeconds: number;
  /** The measured window is split into this many equal windows for medians. */
  subWindows: number;
  /** Shorter paced runs before the measured window, at these total messages/s: where latency bends. */
  stepRates: number[];
  stepSeconds: number;
}

export interface BurstLoad {
  /** Paced agents stop answering this many seconds after the burst ends. */
  answerForSeconds: number;
}

export interface StepReport {
  targetMessagesPerSecond: number;
  seconds: number;
  messages: number;
  /** Acked before the step's paced load stopped. */
  ackedInWindow: number;
  drained: boolean;
  buyerToAgent: number[];
  agentToBuyer: number[];
  ack: number[];
}

export interface LoadPlan {
  scenario: string;
  httpUrl: string;
  wsUrl: string;
  /** Reads the stored messages back for the gap check (an admin may read any conversation of the tenant). */
  adminToken: string;
  agents: PlannedAgent[];
  buyers: PlannedBuyer[];
  connectConcurrency: number;
  steady?: SteadyLoad;
  burst?: BurstLoad;
  /** How long to wait for acks, deliveries and answers after the load stops. */
  drainTimeoutSeconds: number;
}

/**
 * Phase boundaries, in order. The main thread resets its meters at each *-start and snapshots them at the
 * matching end: connecting everyone, opening (and routing) every conversation, the measured window, and
 * closing every socket ($disconnect).
 */
export type PhaseName =
  | 'connect-start'
  | 'connect-end'
  | 'routing-start'
  | 'routing-end'
  | 'step-start'
  | 'step-end'
  | 'measure-start'
  | 'drained'
  | 'disconnect-start'
  | 'disconnect-end';

/** Worker → main: a phase boundary; the main thread answers with `{ kind: 'ack', id }` when done. */
export interface PhaseRequest {
  kind: 'phase';
  id: number;
  name: PhaseName;
  wallMs: number;
}

export interface LatencySamples {
  /** Milliseconds, one per measured message, in send order. */
  ms: number[];
  /** Sub-window index of each sample (steady), 0 otherwise. */
  window: number[];
}

export interface CorrectnessReport {
  /** Messages sent in the measured window (incl. answers to its questions). */
  sent: number;
  acked: number;
  /** Acks with duplicate: true (a resend matched a stored message): the bench never resends, so 0. */
  ackedAsDuplicate: number;
  errorsByCode: Record<string, number>;
  /** Senders with the most refused frames, any phase (top 10). */
  refusedBySender: Record<string, number>;
  /** Sent but neither acked nor refused within the drain timeout. */
  unacked: number;
  /** Acked (conversationId, seq) pairs that had a recipient connected. */
  expectedDeliveries: number;
  deliveredOnce: number;
  /** Acked, never received by the recipient. */
  lost: number;
  /** Frames received beyond the first for a (recipient, conversationId, seq): at-least-once redeliveries. */
  rawDuplicateFrames: number;
  /** Duplicates a client deduplicating by (conversationId, seq) would still see: one clientMessageId under two seqs. */
  duplicatesAfterDedupe: number;
  /** Two different messages received under one (conversationId, seq). */
  conflictingFrames: number;
  /** Frames for a (conversationId, seq) the bench never got an ack for. */
  unexpectedFrames: number;
  stored: StoredCheck;
}

export interface StoredCheck {
  conversationsChecked: number;
  messagesRead: number;
  /** Missing seqs below a conversation's highest stored seq. */
  gaps: number;
  /** Conversations whose seqs are not exactly 1..n. */
  conversationsWithGaps: number;
  /** A clientMessageId of one sender stored under more than one seq. */
  duplicates: number;
  /** Acked (conversationId, seq) not found in the store with the acked clientMessageId. */
  ackedNotStored: number;
  /** Stored messages whose clientMessageId the bench never got an ack for. */
  storedNotAcked: number;
  readErrors: number;
  readMs: number;
}

export interface LoadReport {
  scenario: string;
  setup: {
    agentsConnected: number;
    buyersConnected: number;
    connectFailures: number;
    connectMs: number;
    conversationsOpened: number;
    conversationsAssigned: number;
    queuePositionFrames: number;
    /** First opening message sent → last conversation assigned (the agent's `assigned` frame). */
    openToAllAssignedMs: number;
    /** The agent holding the most conversations after opening (double11: the one agent with 2,000). */
    mostConversationsOneAgent: { agentId: string; conversations: number };
    /** Per conversation: the opening message's ack → the agent's `assigned` frame. */
    assignLatency: LatencySamples;
  };
  window: {
    startWallMs: number;
    /** When the last question of the window was sent (steady: end of the paced window; double11: end of the burst). */
    loadEndWallMs: number;
    /** When everything sent was acked and delivered (or the drain timed out). */
    drainedWallMs: number;
    drained: boolean;
    questions: number;
    answers: number;
    /** Acked messages per second over the load window, first send to last ack. */
    ackedPerSecond: number;
    /** Messages acked before the load stopped (steady: within the paced window). */
    ackedInWindow: number;
    /** Messages delivered per second, first send to last delivery. */
    deliveredPerSecond: number;
    /** Seconds of load (steady: the paced window; double11: first send to last ack). */
    seconds: number;
  };
  latency: {
    buyerToAgent: LatencySamples;
    agentToBuyer: LatencySamples;
    ack: LatencySamples;
    /** How late the client sent each paced question against its schedule (client health). */
    sendLag: LatencySamples;
  };
  correctness: CorrectnessReport;
  /** WebSocket messages in the measured window, as API Gateway would bill them. */
  frames: { inbound: number; outbound: number; outboundByType: Record<string, number> };
  answers: { answered: number; unanswered: number; byPacedAgents: number };
  /** steady: the shorter paced runs at lower rates, in order. */
  steps: StepReport[];
  /** double11: from the end of the burst until every burst question was acked / delivered to its agent. */
  burstDrain?: {
    lastQuestionAckedMs: number;
    lastQuestionDeliveredMs: number;
    questionsUndelivered: number;
    /** Most messages sent and not yet acked at once: the backlog in front of the send handler. */
    outstandingPeak: number;
    /** [ms since the burst started, messages sent and not yet acked], every 250 ms. */
    outstanding: [number, number][];
  };
  socketsClosedUnexpectedly: number;
  /** Event-loop utilisation of the load generator's thread during the window (1 = saturated). */
  loadGeneratorUtilization: number;
}

export type WorkerMessage = PhaseRequest | { kind: 'log'; text: string } | { kind: 'result'; report: LoadReport } | { kind: 'failed'; error: string };
