/**
 * AWS list prices used to cost one message, US East (N. Virginia), on-demand, first usage tier, in US$.
 * Source: the AWS pricing pages (aws.amazon.com/dynamodb/pricing/on-demand/, /api-gateway/pricing/,
 * /sqs/pricing/, /lambda/pricing/), as quoted by public summaries found on 2026-11-25 (DynamoDB on-demand
 * after the November 2024 cut). Check them against the pricing pages before quoting a customer; the
 * benchmark reports the unit counts too, so the cost can be recomputed with other prices.
 */
export const awsPrices = {
  asOf: '2026-11-25',
  region: 'us-east-1',
  dynamoWriteRequestUnit: 0.625 / 1e6,
  dynamoReadRequestUnit: 0.125 / 1e6,
  /** WebSocket API: every message received from or sent to a client, in 32 KB increments. */
  webSocketMessage: 1.0 / 1e6,
  webSocketConnectionMinute: 0.25 / 1e6,
  /** SQS standard queue: per request (send, receive, delete), each 64 KB chunk of payload. */
  sqsRequest: 0.4 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  /** Lambda on arm64 (Graviton), per GB-second. */
  lambdaArmGbSecond: 0.0000133334,
  /** EventBridge Scheduler, per invocation after the free tier (aws.amazon.com/eventbridge/pricing/); creating a schedule is not billed. */
  schedulerInvocation: 1.0 / 1e6,
  /** Amazon Connect chat, per message sent or received: the comparison the product is judged by. */
  amazonConnectChatMessage: 0.01,
} as const;
