import { cpus } from 'node:os';
import { connectionAssumption, costPerMillion, type CostReport, type PerMessageUnits } from './cost';
import type { LoadReport } from './load-plan';
import { dynamoCorrections, type MeterSnapshot } from './meters';
import type { ScenarioDefinition } from './scenarios';
import { distribution, latencyReport, round, round3, type Distribution } from './stats';

/** Turns one scenario's load report and meter snapshots into the JSON result and the printed summary. */

export interface Ceilings {
  /** The best of three 1-second samples (bench/ceilings.ts, 32 in flight). */
  dynamoWritesPerSecond: number;
  wsEchoRoundTripsPerSecond: number;
  dynamoSamples: number[];
  wsEchoSamples: number[];
  measuredAt: string;
}

export interface QueueTrace {
  samples: { at: number; delivery: number; routing: number }[];
}

export interface StackThreadStats {
  /** Event-loop utilisation of the thread running the whole local stack (gateway, handlers, SQS server). */
  utilization: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

/** The functions on the message hot path: the send handler and the delivery consumer. */
const hotPath = new Set(['WsSendMessage', 'DeliverMessages']);

interface DynamoTotals {
  writeUnits: number;
  readUnits: number;
  reportedWriteUnits: number;
  reportedReadUnits: number;
  estimatedWriteUnits: number;
  estimatedReadUnits: number;
  calls: number;
  conditionFailures: number;
}

function dynamoTotals(snapshot: MeterSnapshot, include: (fn: string) => boolean): DynamoTotals {
  const totals: DynamoTotals = {
    writeUnits: 0,
    readUnits: 0,
    reportedWriteUnits: 0,
    reportedReadUnits: 0,
    estimatedWriteUnits: 0,
    estimatedReadUnits: 0,
    calls: 0,
    conditionFailures: 0,
  };
  for (const [fn, operations] of Object.entries(snapshot.dynamo)) {
    if (!include(fn)) continue;
    for (const stats of Object.values(operations)) {
      totals.writeUnits += stats.billedWriteUnits;
      totals.readUnits += stats.billedReadUnits;
      totals.reportedWriteUnits += stats.reportedWriteUnits;
      totals.reportedReadUnits += stats.reportedReadUnits;
      totals.estimatedWriteUnits += stats.estimatedWriteUnits;
      totals.estimatedReadUnits += stats.estimatedReadUnits;
      totals.calls += stats.calls;
      totals.conditionFailures += stats.conditionFailures;
    }
  }
  return totals;
}

function perUnit(totals: DynamoTotals, count: number) {
  const d = Math.max(1, count);
  return {
    writeUnits: round3(totals.writeUnits / d),
    readUnits: round3(totals.readUnits / d),
    reportedWriteUnits: round3(totals.reportedWriteUnits / d),
    reportedReadUnits: round3(totals.reportedReadUnits / d),
    estimatedWriteUnits: round3(totals.estimatedWriteUnits / d),
    estimatedReadUnits: round3(totals.estimatedReadUnits / d),
    callsPerMessage: round3(totals.calls / d),
  };
}

/** `WsSendMessage GetItem` → units per message, for the "why" of the capacity targets. */
function dynamoBreakdown(snapshot: MeterSnapshot, messages: number, include: (fn: string) => boolean) {
  const rows: { function: string; operation: string; callsPerMessage: number; writeUnitsPerMessage: number; readUnitsPerMessage: number; estimated: boolean }[] = [];
  for (const [fn, operations] of Object.entries(snapshot.dynamo)) {
    if (!include(fn)) continue;
    for (const [operation, stats] of Object.entries(operations)) {
      rows.push({
        function: fn,
        operation,
        callsPerMessage: round3(stats.calls / Math.max(1, messages)),
        writeUnitsPerMessage: round3(stats.billedWriteUnits / Math.max(1, messages)),
        readUnitsPerMessage: round3(stats.billedReadUnits / Math.max(1, messages)),
        estimated: stats.estimatedReadUnits + stats.estimatedWriteUnits > 0,
      });
    }
  }
  return rows.sort((a, b) => b.writeUnitsPerMessage + b.readUnitsPerMessage - (a.writeUnitsPerMessage + a.readUnitsPerMessage));
}

/**
 * SQS requests. `billed` leaves out empty receives: the SQS server used locally (fauxqs) wakes every
 * waiting long poll when one message arrives (SqsQueue.notifyWaiters) and all but one return empty,
 * where SQS keeps a long poll waiting until a message or its 20 s timeout. Empty receives are still
 * reported (`emptyReceives`).
 */
function sqsTotals(snapshot: MeterSnapshot) {
  let requests = 0;
  let billed = 0;
  let emptyReceives = 0;
  const byRequest: Record<string, number> = {};
  for (const [fn, keys] of Object.entries(snapshot.sqs)) {
    for (const [key, stats] of Object.entries(keys)) {
      requests += stats.requests;
      billed += stats.billedRequests - stats.emptyReceives;
      emptyReceives += stats.emptyReceives;
      byRequest[`${fn}: ${key}`] = stats.requests;
    }
  }
  return { requests, billed, emptyReceives, byRequest };
}

function postTotals(snapshot: MeterSnapshot) {
  let posts = 0;
  let gone = 0;
  let errors = 0;
  const byFunction: Record<string, number> = {};
  for (const [fn, stats] of Object.entries(snapshot.posts)) {
    posts += stats.posts;
    gone += stats.gone;
    errors += stats.errors;
    byFunction[fn] = stats.posts;
  }
  return { posts, gone, errors, byFunction };
}

function invocationTotals(snapshot: MeterSnapshot, messages: number) {
  let invocations = 0;
  let gbSeconds = 0;
  const byFunction: Record<string, { invocations: number; perMessage: number; records: number; errors: number; memoryMb: number; durationMs: Distribution; gbSecondsPerMessage: number }> = {};
  for (const [fn, stats] of Object.entries(snapshot.invocations)) {
    const gbs = (stats.billedMs / 1000) * (stats.memoryMb / 1024);
    invocations += stats.invocations;
    gbSeconds += gbs;
    byFunction[fn] = {
      invocations: stats.invocations,
      perMessage: round3(stats.invocations / Math.max(1, messages)),
      records: stats.records,
      errors: stats.errors,
      memoryMb: stats.memoryMb,
      durationMs: distribution(stats.durationsMs),
      gbSecondsPerMessage: gbs / Math.max(1, messages),
    };
  }
  return { invocations, gbSeconds, byFunction };
}

/** Units one conversation costs outside the messaging itself: connect, open + route, disconnect. */
function setupUnits(connect: MeterSnapshot, routing: MeterSnapshot, disconnect: MeterSnapshot, report: LoadReport) {
  const sockets = Math.max(1, report.setup.agentsConnected + report.setup.buyersConnected);
  const conversations = Math.max(1, report.setup.conversationsOpened);
  const all = () => true;
  const perSocket = (s: MeterSnapshot) => {
    const d = dynamoTotals(s, all);
    const q = sqsTotals(s);
    const inv = invocationTotals(s, 1);
    return {
      writeUnits: d.writeUnits / sockets,
      readUnits: d.readUnits / sockets,
      sqsRequests: q.billed / sockets,
      invocations: inv.invocations / sockets,
      gbSeconds: inv.gbSeconds / sockets,
    };
  };
  const c = perSocket(connect);
  const x = perSocket(disconnect);
  const r = dynamoTotals(routing, all);
  const rq = sqsTotals(routing);
  const ri = invocationTotals(routing, 1);
  const rp = postTotals(routing);
  const perConversation = {
    writeUnits: c.writeUnits + x.writeUnits + r.writeUnits / conversations,
    readUnits: c.readUnits + x.readUnits + r.readUnits / conversations,
    sqsRequests: c.sqsRequests + x.sqsRequests + rq.billed / conversations,
    invocations: c.invocations + x.invocations + ri.invocations / conversations,
    gbSeconds: c.gbSeconds + x.gbSeconds + ri.gbSeconds / conversations,
    // The opening frame and its ack, plus routing's @connections posts: the agent's `assigned` frame and any
    // `queuePosition` frames to buyers in a waiting line (each post is a billed WebSocket message).
    webSocketMessages: 2 + rp.posts / conversations,
  };
  const round4 = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 4)]));
  return {
    perBuyerConnection: round4({ ...c }),
    perDisconnect: round4({ ...x }),
    perConversationOpenAndRoute: round4({
      writeUnits: r.writeUnits / conversations,
      readUnits: r.readUnits / conversations,
      reportedWriteUnits: r.reportedWriteUnits / conversations,
      sqsRequests: rq.billed / conversations,
      invocations: ri.invocations / conversations,
      connectionPosts: rp.posts / conversations,
      conditionFailures: r.conditionFailures / conversations,
      transactionCancels: transactionCancels(routing) / conversations,
    }),
    perConversation: round4(perConversation),
    routingBreakdown: dynamoBreakdown(routing, conversations, all),
    raw: perConversation,
  };
}

function queueSummary(trace: QueueTrace, loadEndWallMs: number | undefined) {
  const samples = trace.samples;
  if (samples.length === 0) return { samples: 0 };
  const peak = samples.reduce((best, s) => (s.delivery > best.delivery ? s : best), samples[0]!);
  const peakRouting = Math.max(...samples.map((s) => s.routing));
  const emptyAfterPeak = samples.find((s) => s.at >= peak.at && s.delivery === 0);
  return {
    samples: samples.length,
    sampleEveryMs: 200,
    deliveryPeak: peak.delivery,
    routingPeak: peakRouting,
    /** From the last message of the load to the first sample with an empty delivery queue after its peak. */
    ...(loadEndWallMs !== undefined ? { deliveryDrainedMsAfterLoadEnd: emptyAfterPeak ? Math.max(0, emptyAfterPeak.at - loadEndWallMs) : null } : {}),
  };
}

export interface ScenarioResult {
  scenario: string;
  description: string;
  measuredAt: string;
  [key: string]: unknown;
}

export function buildResult(input: {
  definition: ScenarioDefinition;
  tenantId: string;
  report: LoadReport;
  measure: MeterSnapshot;
  connect: MeterSnapshot;
  routing: MeterSnapshot;
  disconnect: MeterSnapshot;
  /** steady: one snapshot per lower-rate step, in order. */
  steps: MeterSnapshot[];
  stepUtilization: number[];
  routingQueue: QueueTrace;
  measureQueue: QueueTrace;
  stackThread: StackThreadStats;
  ceilings: Ceilings;
  loadAverage: number[];
  elapsedSeconds: number;
  fdLimit: number | undefined;
}): ScenarioResult {
  const { definition, report, measure, ceilings } = input;
  const c = report.correctness;
  const messages = c.acked;
  const windows = definition.steady?.subWindows ?? 1;
  const isHot = (fn: string) => hotPath.has(fn);

  const hot = dynamoTotals(measure, isHot);
  const send = dynamoTotals(measure, (fn) => fn === 'WsSendMessage');
  const delivery = dynamoTotals(measure, (fn) => fn === 'DeliverMessages');
  const other = dynamoTotals(measure, (fn) => !isHot(fn));
  const everything = dynamoTotals(measure, () => true);
  const queues = sqsTotals(measure);
  const posts = postTotals(measure);
  const invocations = invocationTotals(measure, messages);
  const webSocketMessages = report.frames.inbound + report.frames.outbound;

  const messaging: PerMessageUnits = {
    dynamoWriteUnits: everything.writeUnits / Math.max(1, messages),
    dynamoReadUnits: everything.readUnits / Math.max(1, messages),
    webSocketMessages: webSocketMessages / Math.max(1, messages),
    sqsRequests: queues.billed / Math.max(1, messages),
    lambdaRequests: invocations.invocations / Math.max(1, messages),
    lambdaGbSeconds: invocations.gbSeconds / Math.max(1, messages),
  };
  const setup = setupUnits(input.connect, input.routing, input.disconnect, report);
  const perConversationMessages = connectionAssumption.messagesPerConversation;
  const withSetup: PerMessageUnits = {
    dynamoWriteUnits: messaging.dynamoWriteUnits + setup.raw.writeUnits / perConversationMessages,
    dynamoReadUnits: messaging.dynamoReadUnits + setup.raw.readUnits / perConversationMessages,
    webSocketMessages: messaging.webSocketMessages + setup.raw.webSocketMessages / perConversationMessages,
    sqsRequests: messaging.sqsRequests + setup.raw.sqsRequests / perConversationMessages,
    lambdaRequests: messaging.lambdaRequests + setup.raw.invocations / perConversationMessages,
    lambdaGbSeconds: messaging.lambdaGbSeconds + setup.raw.gbSeconds / perConversationMessages,
  };
  const cost = costPerMillion(messaging);
  const costWithSetup = costPerMillion(withSetup);
  // Handler durations on a saturated thread include queueing for the CPU; the lowest-rate step shows them nearer to service time.
  const lowStep = input.steps[0];
  const lowStepMessages = report.steps[0]?.messages ?? 0;
  const lowLoadGbSeconds = lowStep && lowStepMessages > 0 ? invocationTotals(lowStep, lowStepMessages).gbSeconds / lowStepMessages : undefined;
  const costAtLowLoadDurations = lowLoadGbSeconds !== undefined ? costPerMillion({ ...messaging, lambdaGbSeconds: lowLoadGbSeconds }) : undefined;

  const latency = {
    buyerToAgent: latencyReport(report.latency.buyerToAgent, windows),
    agentToBuyer: latencyReport(report.latency.agentToBuyer, windows),
    ack: latencyReport(report.latency.ack, windows),
    clientSendLag: latencyReport(report.latency.sendLag, windows),
  };
  const targetRate = definition.steady ? definition.steady.questionsPerSecond * 2 : undefined;
  // steady: messages acked while the paced load ran (a backlog still draining after it does not count); double11: first send → last ack.
  const messagesPerSecond = definition.steady ? report.window.ackedInWindow / report.window.seconds : report.window.ackedPerSecond;

  const handlerMs = (snapshot: MeterSnapshot | undefined) =>
    Object.fromEntries(
      ['WsSendMessage', 'DeliverMessages'].map((fn) => {
        const d = distribution(snapshot?.invocations[fn]?.durationsMs ?? []);
        return [fn, { p50: d.p50, p99: d.p99, mean: d.mean }];
      }),
    );
  const latencyByRate = [
    ...report.steps.map((step, i) => ({
      targetMessagesPerSecond: step.targetMessagesPerSecond,
      messagesPerSecond: round(step.ackedInWindow / step.seconds),
      seconds: step.seconds,
      drained: step.drained,
      buyerToAgent: distribution(step.buyerToAgent),
      agentToBuyer: distribution(step.agentToBuyer),
      ack: distribution(step.ack),
      handlerMs: handlerMs(input.steps[i]),
      stackThreadBusy: round(input.stepUtilization[i] ?? Number.NaN, 2),
    })),
    ...(definition.steady
      ? [
          {
            targetMessagesPerSecond: targetRate,
            messagesPerSecond: round(messagesPerSecond),
            seconds: report.window.seconds,
            drained: report.window.drained,
            buyerToAgent: distribution(report.latency.buyerToAgent.ms),
            agentToBuyer: distribution(report.latency.agentToBuyer.ms),
            ack: distribution(report.latency.ack.ms),
            handlerMs: handlerMs(measure),
            stackThreadBusy: round(input.stackThread.utilization, 2),
          },
        ]
      : []),
  ];

  const hotPerMessage = perUnit(hot, messages);
  const targets = evaluateTargets({
    latencyByRate,
    stackThread: input.stackThread,
    c,
    latency,
    targetRate,
    messagesPerSecond,
    hotPerMessage,
    sendPerMessage: perUnit(send, messages),
    breakdown: dynamoBreakdown(measure, messages, isHot),
    cost,
    costWithSetup,
    scenario: definition.name,
  });

  const { assignLatency, ...setupFacts } = report.setup;
  const dynamoWritesPerSecond = hot.calls > 0 ? writeCalls(measure) / Math.max(0.001, report.window.seconds) : 0;
  return {
    scenario: definition.name,
    description: definition.description,
    measuredAt: new Date().toISOString(),
    tenantId: input.tenantId,
    notes: definition.notes,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), node: process.version, fdLimit: input.fdLimit, loadAverage1m: input.loadAverage.map((l) => round(l, 2)) },
    elapsedSeconds: round(input.elapsedSeconds),
    setup: {
      ...setupFacts,
      connectMs: round(setupFacts.connectMs),
      openToAllAssignedMs: round(setupFacts.openToAllAssignedMs),
      assignLatencyMs: distribution(assignLatency.ms),
      routingQueue: queueSummary(input.routingQueue, undefined),
      costs: { ...setup, raw: undefined },
    },
    throughput: {
      targetMessagesPerSecond: targetRate,
      messages,
      questions: report.window.questions,
      answers: report.window.answers,
      windowSeconds: round(report.window.seconds, 2),
      messagesPerSecond: round(messagesPerSecond),
      offeredMessagesPerSecond: definition.steady ? round(messages / report.window.seconds) : undefined,
      ackedPerSecond: round(report.window.ackedPerSecond),
      deliveredPerSecond: round(report.window.deliveredPerSecond),
      drained: report.window.drained,
      loadEndToDrainedMs: report.window.drainedWallMs - report.window.loadEndWallMs,
    },
    latencyMs: latency,
    latencyByRate,
    correctness: c,
    answers: report.answers,
    dynamodb: {
      note: 'Units per message acked in the measured window (billed = DynamoDB Local reported + corrections). Hot path = WsSendMessage + DeliverMessages.',
      perMessage: {
        hotPath: hotPerMessage,
        sendMessage: perUnit(send, messages),
        delivery: perUnit(delivery, messages),
        other: perUnit(other, messages),
        all: perUnit(everything, messages),
      },
      breakdown: dynamoBreakdown(measure, messages, () => true),
      corrections: dynamoCorrections,
      byFunction: measure.dynamo,
    },
    sqs: {
      note: 'billed = requests (64 KB chunks) minus empty receives: the local SQS server wakes every waiting long poll per message and all but one return empty; SQS does not.',
      requests: queues.requests,
      requestsPerMessage: round3(queues.requests / Math.max(1, messages)),
      billedRequestsPerMessage: round3(queues.billed / Math.max(1, messages)),
      emptyReceives: queues.emptyReceives,
      byRequest: queues.byRequest,
    },
    connectionPosts: { ...posts, perMessage: round3(posts.posts / Math.max(1, messages)) },
    invocations: { total: invocations.invocations, perMessage: round3(invocations.invocations / Math.max(1, messages)), gbSecondsPerMessage: invocations.gbSeconds / Math.max(1, messages), byFunction: invocations.byFunction },
    webSocketMessages: { ...report.frames, perMessage: round3(webSocketMessages / Math.max(1, messages)) },
    queues: { ...queueSummary(input.measureQueue, report.window.loadEndWallMs), ...(report.burstDrain ? { burstDrain: report.burstDrain } : {}) },
    threads: {
      stack: { utilization: round(input.stackThread.utilization, 2), eventLoopDelayMs: mapRound(input.stackThread.eventLoopDelayMs) },
      loadGenerator: { utilization: round(report.loadGeneratorUtilization, 2) },
      socketsClosedUnexpectedly: report.socketsClosedUnexpectedly,
    },
    ceilings: {
      ...ceilings,
      messagesPerSecondOverDynamoWrites: round3(messagesPerSecond / ceilings.dynamoWritesPerSecond),
      messagesPerSecondOverWsEcho: round3(messagesPerSecond / ceilings.wsEchoRoundTripsPerSecond),
      kefuDynamoWriteCallsPerSecond: round(dynamoWritesPerSecond),
      kefuDynamoWritesOverCeiling: round3(dynamoWritesPerSecond / ceilings.dynamoWritesPerSecond),
    },
    cost: {
      messaging: cost,
      withConversationSetup: { ...costWithSetup, note: `messaging plus connect, open + route and disconnect of one conversation spread over ${perConversationMessages} messages` },
      ...(costAtLowLoadDurations
        ? {
            messagingAtLowLoadDurations: {
              totalPerMillionMessages: costAtLowLoadDurations.totalPerMillionMessages,
              lambdaCompute: costAtLowLoadDurations.lines.lambdaCompute,
              note: `as messaging, with Lambda GB-seconds from the ${report.steps[0]!.targetMessagesPerSecond} msg/s step, where the stack thread was less saturated`,
            },
          }
        : {}),
    },
    targets,
  };
}

function transactionCancels(snapshot: MeterSnapshot): number {
  let cancels = 0;
  for (const operations of Object.values(snapshot.dynamo)) for (const stats of Object.values(operations)) cancels += stats.transactionCancels;
  return cancels;
}

function writeCalls(snapshot: MeterSnapshot): number {
  let calls = 0;
  for (const operations of Object.values(snapshot.dynamo)) {
    for (const [operation, stats] of Object.entries(operations)) {
      if (['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'].includes(operation)) calls += stats.calls;
    }
  }
  return calls;
}

function mapRound(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
}

interface Target {
  target: string;
  met: boolean | null;
  /** Latency only: the verdict on the median of the sub-windows' p99 (the machine is shared and noisy). */
  metByMedianOfWindows?: boolean;
  measured: string;
  why?: string;
}

function evaluateTargets(input: {
  latencyByRate: { targetMessagesPerSecond: number | undefined; messagesPerSecond: number; buyerToAgent: Distribution; stackThreadBusy: number }[];
  stackThread: StackThreadStats;
  c: LoadReport['correctness'];
  latency: { buyerToAgent: ReturnType<typeof latencyReport> };
  targetRate: number | undefined;
  messagesPerSecond: number;
  hotPerMessage: ReturnType<typeof perUnit>;
  sendPerMessage: ReturnType<typeof perUnit>;
  breakdown: ReturnType<typeof dynamoBreakdown>;
  cost: CostReport;
  costWithSetup: CostReport;
  scenario: string;
}): Target[] {
  const { c, latency, hotPerMessage, sendPerMessage } = input;
  const errors = Object.values(c.errorsByCode).reduce((a, b) => a + b, 0);
  const clean =
    c.lost === 0 && c.duplicatesAfterDedupe === 0 && c.conflictingFrames === 0 && c.stored.duplicates === 0 && c.stored.gaps === 0 && c.stored.ackedNotStored === 0 && c.unacked === 0;
  const targets: Target[] = [
    {
      target: '0 lost, 0 duplicated, 0 gaps',
      met: clean && c.stored.readErrors === 0,
      measured:
        `lost ${c.lost} of ${c.expectedDeliveries} deliveries; duplicates: ${c.rawDuplicateFrames} raw frames (at-least-once redeliveries), ` +
        `${c.duplicatesAfterDedupe} after dedupe by (conversationId, seq), ${c.stored.duplicates} stored; gaps ${c.stored.gaps} in ${c.stored.conversationsChecked} conversations read back; ` +
        `acked not stored ${c.stored.ackedNotStored}; unacked ${c.unacked}; refused ${errors}${errors ? ` ${JSON.stringify(c.errorsByCode)}` : ''}`,
    },
  ];
  if (input.targetRate !== undefined) {
    const b2a = latency.buyerToAgent;
    const rateOk = input.messagesPerSecond >= input.targetRate * 0.95;
    const met = rateOk && b2a.p99 < 150;
    const curve = input.latencyByRate
      .map((row) => `${row.messagesPerSecond} msg/s → p99 ${row.buyerToAgent.p99} ms (stack thread ${Math.round(row.stackThreadBusy * 100)} % busy)`)
      .join('; ');
    const reasons: string[] = [];
    if (input.targetRate !== 200) reasons.push(`run at ${input.targetRate} msg/s, not the 200 msg/s of the target`);
    if (!met && input.stackThread.utilization > 0.9) {
      reasons.push(
        `the one thread running the whole local stack (gateway, every handler, the SQS server, @connections) was ${Math.round(input.stackThread.utilization * 100)} % busy ` +
          `(event-loop delay p99 ${round(input.stackThread.eventLoopDelayMs.p99)} ms): the latency is dominated by queueing for this shared 2-core machine's CPU, ` +
          'so this run cannot tell whether a cloud deployment (a CPU per Lambda invocation) meets the target',
      );
    }
    reasons.push(`latency by rate: ${curve}`);
    const medianP99 = b2a.medianOfWindows?.p99 ?? b2a.p99;
    targets.push({
      target: `p99 buyer→agent < 150 ms at ${input.targetRate} msg/s`,
      met,
      metByMedianOfWindows: rateOk && medianP99 < 150,
      measured:
        `p99 ${b2a.p99} ms over the whole window; median of the ${b2a.windows?.length ?? 1} sub-window p99s ${medianP99} ms (${medianP99 < 150 ? 'under' : 'over'} 150); ` +
        `sub-window p99s ${(b2a.windows ?? []).map((w) => w.p99).join(', ')} ms; ${round(input.messagesPerSecond)} msg/s achieved`,
      why: reasons.join('; '),
    });
  }
  // Every append updates the head once to take its seq; only a reply whose pending question moved under it (a
  // question arriving at the same moment) updates it again, +1 WRU each (docs/conversation-design.md).
  const headUpdates = input.breakdown.find((row) => row.function === 'WsSendMessage' && row.operation === 'UpdateItem')?.callsPerMessage ?? 1;
  const collided = Math.max(0, headUpdates - 1);
  const collisionNote =
    collided > 0
      ? `; ${round(collided * 100)} head-update retries per 100 appends (a reply racing a question in the same conversation), each +1 WRU`
      : '';
  const top = (key: 'writeUnitsPerMessage' | 'readUnitsPerMessage') =>
    input.breakdown
      .filter((row) => row[key] > 0)
      .sort((a, b) => b[key] - a[key])
      .map((row) => `${row.function} ${row.operation} ${row[key]}${row.estimated ? ' (incl. estimate)' : ''}`)
      .join(', ');
  targets.push(
    {
      target: '≤ 3 WCU per message on the hot path',
      met: hotPerMessage.writeUnits <= 3,
      measured: `${hotPerMessage.writeUnits} WRU/msg billed (${hotPerMessage.reportedWriteUnits} reported by DynamoDB Local); send handler alone ${sendPerMessage.writeUnits}`,
      why: top('writeUnitsPerMessage') + collisionNote,
    },
    {
      target: '≤ 1 RCU per message on the hot path',
      met: hotPerMessage.readUnits <= 1,
      measured: `${hotPerMessage.readUnits} RRU/msg billed (${hotPerMessage.reportedReadUnits} reported by DynamoDB Local); send handler alone ${sendPerMessage.readUnits}`,
      why:
        top('readUnitsPerMessage') +
        collisionNote +
        '; by design the send handler reads the conversation head (0.5, eventually consistent) and delivery reads each recipient\'s connections (0.5 per recipient; watchers ride on the head)',
    },
    {
      target: '< US$10 per million messages',
      met: input.cost.totalPerMillionMessages < 10,
      measured: `US$${input.cost.totalPerMillionMessages} per million messages (US$${input.costWithSetup.totalPerMillionMessages} with connect/open/route/disconnect amortized); Amazon Connect US$${input.cost.amazonConnectPerMillionMessages}`,
      why: Object.entries(input.cost.lines)
        .sort((a, b) => b[1].perMillionMessages - a[1].perMillionMessages)
        .map(([name, line]) => `${name} $${line.perMillionMessages}`)
        .join(', '),
    },
  );
  return targets;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The few numbers per scenario kept in summary.json. */
export function summaryEntry(result: ScenarioResult): Json {
  const r = result as Json;
  return {
    measuredAt: r.measuredAt,
    description: r.description,
    messagesPerSecond: r.throughput.messagesPerSecond,
    targetMessagesPerSecond: r.throughput.targetMessagesPerSecond,
    messages: r.throughput.messages,
    latencyMs: {
      buyerToAgent: pick(r.latencyMs.buyerToAgent),
      agentToBuyer: pick(r.latencyMs.agentToBuyer),
      ack: pick(r.latencyMs.ack),
    },
    buyerToAgentP99ByRate: (r.latencyByRate as Json[]).map((row) => ({ messagesPerSecond: row.messagesPerSecond, p99: row.buyerToAgent.p99, stackThreadBusy: row.stackThreadBusy })),
    correctness: {
      lost: r.correctness.lost,
      rawDuplicateFrames: r.correctness.rawDuplicateFrames,
      duplicatesAfterDedupe: r.correctness.duplicatesAfterDedupe,
      storedDuplicates: r.correctness.stored.duplicates,
      gaps: r.correctness.stored.gaps,
      unacked: r.correctness.unacked,
      errors: r.correctness.errorsByCode,
    },
    hotPathPerMessage: { writeUnits: r.dynamodb.perMessage.hotPath.writeUnits, readUnits: r.dynamodb.perMessage.hotPath.readUnits },
    sendMessagePerMessage: { writeUnits: r.dynamodb.perMessage.sendMessage.writeUnits, readUnits: r.dynamodb.perMessage.sendMessage.readUnits },
    sqsRequestsPerMessage: r.sqs.billedRequestsPerMessage,
    connectionPostsPerMessage: r.connectionPosts.perMessage,
    lambdaInvocationsPerMessage: r.invocations.perMessage,
    webSocketMessagesPerMessage: r.webSocketMessages.perMessage,
    setup: {
      conversations: r.setup.conversationsOpened,
      openToAllAssignedMs: r.setup.openToAllAssignedMs,
      mostConversationsOneAgent: r.setup.mostConversationsOneAgent,
      perConversationOpenAndRoute: r.setup.costs.perConversationOpenAndRoute,
    },
    usdPerMillionMessages: r.cost.messaging.totalPerMillionMessages,
    usdPerMillionMessagesWithSetup: r.cost.withConversationSetup.totalPerMillionMessages,
    queues: r.queues,
    ceilings: {
      dynamoWritesPerSecond: Math.round(r.ceilings.dynamoWritesPerSecond),
      wsEchoRoundTripsPerSecond: Math.round(r.ceilings.wsEchoRoundTripsPerSecond),
      messagesPerSecondOverDynamoWrites: r.ceilings.messagesPerSecondOverDynamoWrites,
      messagesPerSecondOverWsEcho: r.ceilings.messagesPerSecondOverWsEcho,
      kefuDynamoWritesOverCeiling: r.ceilings.kefuDynamoWritesOverCeiling,
    },
    targets: (r.targets as Target[]).map((t) => ({ target: t.target, met: t.met, ...(t.metByMedianOfWindows !== undefined ? { metByMedianOfWindows: t.metByMedianOfWindows } : {}), measured: t.measured })),
  };
}

function pick(d: Json) {
  return { p50: d.p50, p95: d.p95, p99: d.p99, count: d.count, ...(d.medianOfWindows ? { medianOfWindowsP99: d.medianOfWindows.p99 } : {}) };
}

/** The printed summary: a Markdown table (pasteable into bench/README.md) and the targets. */
export function formatSummary(results: ScenarioResult[], ceilings: Ceilings[]): string {
  const rs = results as Json[];
  const col = (f: (r: Json) => string) => rs.map(f);
  const lat = (d: Json) => `${d.p50} / ${d.p95} / ${d.p99}`;
  const rows: [string, string[]][] = [
    ['messages in the window', col((r) => `${r.throughput.messages} (${r.throughput.questions} questions, ${r.throughput.answers} answers)`)],
    ['messages/s achieved', col((r) => (r.throughput.targetMessagesPerSecond ? `${r.throughput.messagesPerSecond} (target ${r.throughput.targetMessagesPerSecond})` : `${r.throughput.messagesPerSecond} (burst, first send → last ack)`))],
    ['buyer→agent ms p50 / p95 / p99', col((r) => lat(r.latencyMs.buyerToAgent) + (r.latencyMs.buyerToAgent.medianOfWindows ? ` (median of windows p99 ${r.latencyMs.buyerToAgent.medianOfWindows.p99})` : ''))],
    ['buyer→agent p99 by rate (stack busy)', col((r) => (r.latencyByRate as Json[]).map((row) => `${row.messagesPerSecond}/s: ${row.buyerToAgent.p99} ms (${Math.round(row.stackThreadBusy * 100)} %)`).join(', ') || '–')],
    ['agent→buyer ms p50 / p95 / p99', col((r) => lat(r.latencyMs.agentToBuyer))],
    ['ack ms p50 / p95 / p99', col((r) => lat(r.latencyMs.ack))],
    ['lost / dup raw / dup after dedupe / gaps', col((r) => `${r.correctness.lost} / ${r.correctness.rawDuplicateFrames} / ${r.correctness.duplicatesAfterDedupe + r.correctness.stored.duplicates} / ${r.correctness.stored.gaps}`)],
    ['unacked / refused', col((r) => `${r.correctness.unacked} / ${Object.values(r.correctness.errorsByCode as Record<string, number>).reduce((a, b) => a + b, 0)}`)],
    ['hot path WRU / RRU per msg (billed)', col((r) => `${r.dynamodb.perMessage.hotPath.writeUnits} / ${r.dynamodb.perMessage.hotPath.readUnits}`)],
    ['  send handler only WRU / RRU', col((r) => `${r.dynamodb.perMessage.sendMessage.writeUnits} / ${r.dynamodb.perMessage.sendMessage.readUnits}`)],
    ['  delivery only WRU / RRU', col((r) => `${r.dynamodb.perMessage.delivery.writeUnits} / ${r.dynamodb.perMessage.delivery.readUnits}`)],
    ['SQS requests per msg', col((r) => `${r.sqs.billedRequestsPerMessage}`)],
    ['@connections posts per msg', col((r) => `${r.connectionPosts.perMessage}`)],
    ['Lambda invocations per msg', col((r) => `${r.invocations.perMessage}`)],
    ['WebSocket messages per msg', col((r) => `${r.webSocketMessages.perMessage}`)],
    ['US$ per million msgs (messaging / + setup)', col((r) => `${r.cost.messaging.totalPerMillionMessages} / ${r.cost.withConversationSetup.totalPerMillionMessages}`)],
    ['  messaging, Lambda at low-load durations', col((r) => (r.cost.messagingAtLowLoadDurations ? `${r.cost.messagingAtLowLoadDurations.totalPerMillionMessages}` : '–'))],
    ['delivery queue peak (depth)', col((r) => (r.queues.samples ? `${r.queues.deliveryPeak}` : '–'))],
    ['burst end → last question acked / delivered', col((r) => (r.queues.burstDrain ? `${(r.queues.burstDrain.lastQuestionAckedMs / 1000).toFixed(1)} s / ${(r.queues.burstDrain.lastQuestionDeliveredMs / 1000).toFixed(1)} s` : '–'))],
    ['open → all assigned (conversations)', col((r) => `${(r.setup.openToAllAssignedMs / 1000).toFixed(1)} s (${r.setup.conversationsAssigned}/${r.setup.conversationsOpened}; most on one agent ${r.setup.mostConversationsOneAgent.conversations})`)],
    ['routing per conversation WRU / RRU', col((r) => `${r.setup.costs.perConversationOpenAndRoute.writeUnits} / ${r.setup.costs.perConversationOpenAndRoute.readUnits}`)],
    ['ceilings: DynamoDB Local PutItem/s, ws echo/s', col((r) => `${Math.round(r.ceilings.dynamoWritesPerSecond)}, ${Math.round(r.ceilings.wsEchoRoundTripsPerSecond)}`)],
    ['msgs/s ÷ DynamoDB Local PutItem/s', col((r) => `${r.ceilings.messagesPerSecondOverDynamoWrites} (writes: ${r.ceilings.kefuDynamoWritesOverCeiling})`)],
    ['msgs/s ÷ raw ws echo/s', col((r) => `${r.ceilings.messagesPerSecondOverWsEcho}`)],
    ['stack thread busy / loop delay p99', col((r) => `${Math.round(r.threads.stack.utilization * 100)} % / ${r.threads.stack.eventLoopDelayMs.p99} ms`)],
  ];
  const header = `| ${['', ...rs.map((r) => r.scenario)].join(' | ')} |`;
  const rule = `|${['---', ...rs.map(() => '---')].join('|')}|`;
  const lines = [
    `Results ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, 1-min load average ${rs.map((r) => `${r.scenario} ${r.machine.loadAverage1m.join('→')}`).join(', ')}; ${ceilings.length} ceiling measurement(s)`,
    '',
    header,
    rule,
    ...rows.map(([name, values]) => `| ${name} | ${values.join(' | ')} |`),
    '',
    'Targets:',
  ];
  for (const r of rs) {
    for (const t of r.targets as Target[]) {
      const median = t.metByMedianOfWindows === undefined ? '' : ` (median of windows: ${t.metByMedianOfWindows ? 'met' : 'missed'})`;
      lines.push(`  [${r.scenario}] ${t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'} ${t.target}${median}: ${t.measured}${t.why ? `\n           ${t.why}` : ''}`);
    }
  }
  return lines.join('\n');
}
