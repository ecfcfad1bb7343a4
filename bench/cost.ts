import { awsPrices } from './aws-prices';
import { round } from './stats';

/**
 * The cost model: what one chat message makes AWS bill, from units counted in the run, at the list prices
 * of bench/aws-prices.ts. Everything is "per message stored"; the result is quoted per million messages.
 */

/**
 * Connection minutes are not a property of the message path but of how long people stay connected, so
 * they are an assumption rather than a measurement (the bench's own sockets send far more densely than
 * real buyers). A buyer keeps the chat open ~10 minutes for a ~10-message conversation (5 questions,
 * 5 answers); an agent is connected a whole 8-hour shift and serves ~850 buyers (the domain's 800-900
 * receptions per shift) of ~10 messages each.
 */
export const connectionAssumption = {
  buyerMinutesPerConversation: 10,
  messagesPerConversation: 10,
  agentShiftMinutes: 8 * 60,
  agentConversationsPerShift: 850,
} as const;

export function connectionMinutesPerMessage(): number {
  const a = connectionAssumption;
  const buyer = a.buyerMinutesPerConversation / a.messagesPerConversation;
  const agent = a.agentShiftMinutes / (a.agentConversationsPerShift * a.messagesPerConversation);
  return buyer + agent;
}

export interface PerMessageUnits {
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  /** Every frame a client sent or received (route responses and @connections posts included). */
  webSocketMessages: number;
  sqsRequests: number;
  lambdaRequests: number;
  lambdaGbSeconds: number;
}

export interface CostLine {
  unitsPerMessage: number;
  unitPrice: number;
  perMillionMessages: number;
}

export interface CostReport {
  pricesAsOf: string;
  region: string;
  lines: Record<'dynamoWrites' | 'dynamoReads' | 'webSocketMessages' | 'webSocketConnectionMinutes' | 'sqsRequests' | 'lambdaRequests' | 'lambdaCompute', CostLine>;
  totalPerMillionMessages: number;
  amazonConnectPerMillionMessages: number;
  /** How many times cheaper than Amazon Connect chat. */
  timesCheaperThanAmazonConnect: number;
  assumptions: string[];
}

export function costPerMillion(units: PerMessageUnits): CostReport {
  const line = (unitsPerMessage: number, unitPrice: number): CostLine => ({
    unitsPerMessage: round(unitsPerMessage, 4),
    unitPrice,
    perMillionMessages: round(unitsPerMessage * unitPrice * 1e6, 3),
  });
  const lines = {
    dynamoWrites: line(units.dynamoWriteUnits, awsPrices.dynamoWriteRequestUnit),
    dynamoReads: line(units.dynamoReadUnits, awsPrices.dynamoReadRequestUnit),
    webSocketMessages: line(units.webSocketMessages, awsPrices.webSocketMessage),
    webSocketConnectionMinutes: line(connectionMinutesPerMessage(), awsPrices.webSocketConnectionMinute),
    sqsRequests: line(units.sqsRequests, awsPrices.sqsRequest),
    lambdaRequests: line(units.lambdaRequests, awsPrices.lambdaRequest),
    lambdaCompute: line(units.lambdaGbSeconds, awsPrices.lambdaArmGbSecond),
  };
  const total = Object.values(lines).reduce((sum, l) => sum + l.unitsPerMessage * l.unitPrice * 1e6, 0);
  const connect = awsPrices.amazonConnectChatMessage * 1e6;
  const a = connectionAssumption;
  return {
    pricesAsOf: awsPrices.asOf,
    region: awsPrices.region,
    lines,
    totalPerMillionMessages: round(total, 2),
    amazonConnectPerMillionMessages: connect,
    timesCheaperThanAmazonConnect: round(connect / total, 0),
    assumptions: [
      `Prices: bench/aws-prices.ts (${awsPrices.region}, on-demand, first tier, as of ${awsPrices.asOf}); free tiers ignored.`,
      'Counted per message stored in the measured window: everything the stack did in that window (send handler, delivery, SQS polling, the idle-close schedule if it fired) divided by the messages acked.',
      'DynamoDB: on-demand request units as billed, i.e. reported ConsumedCapacity plus the corrections listed under dynamodb.corrections.',
      'API Gateway WebSocket: every frame a client sent (1 per message) and received (the route-response ack, each @connections post), 1 billed message per 32 KB; all frames here are < 32 KB.',
      `Connection minutes (assumed, not measured): a buyer is connected ${a.buyerMinutesPerConversation} min for a ${a.messagesPerConversation}-message conversation; an agent ${a.agentShiftMinutes} min per shift serving ${a.agentConversationsPerShift} buyers x ${a.messagesPerConversation} messages: ${round(connectionMinutesPerMessage(), 3)} connection-minutes per message.`,
      'SQS: every request of the send handler and of the event source mapping (receives and deletes), 1 request per 64 KB of payload; empty receives are left out because the local SQS server returns them as an artifact (it wakes every waiting long poll per message), while SQS keeps a long poll waiting; an idle event source mapping\'s own empty polls are negligible at these volumes.',
      'Lambda: requests = handler invocations; compute = measured local duration per invocation rounded up to 1 ms x the function\'s memory (manifest memoryMb, else the CDK default 512 MB from infra/constructs/kefu-function.ts), arm64 price. Local durations run on a shared 2-core machine with DynamoDB Local, the SQS server and the load generator; cloud durations differ (network round trips to DynamoDB are slower than loopback, CPU is not shared).',
      'Not included: CloudWatch Logs/metrics, data transfer out, DynamoDB storage and Streams, the Cognito/identity side, and connection setup (tickets, $connect, $disconnect) which is per conversation, not per message.',
    ],
  };
}
