/**
 * The KPI aggregator alone on a steady stream (issue 9), batched against one transaction per fact in the
 * same run: `flock /tmp/kefu-bench.lock npx tsx bench/kpi-aggregation.ts [--rate 50] [--seconds 20] [--rounds 2]`.
 * The steady scenario's `--kpis` measures the same inside the whole message path; this isolates it, for a
 * machine too loaded to run that path (its message path then fails before the aggregator is measured).
 *
 * Its own DynamoDB Local; 3 shops, 20 agents, 200 conversations. A writer (not metered) plays the steady
 * scenario's table changes at `rate` messages per second: a buyer question or an agent answer updates the
 * conversation head (its response facts and `lastMessageAt`, as WsSendMessage does), and each answer also
 * writes its round outcome. The local stream poller hands the records to the real AggregateKpis handler in
 * this process, metered like the bench's handlers. Per mode (alternating, `rounds` each): WRU / RRU and
 * US$ per million messages, transactions per record, the lag from a message's write to the end of the
 * invocation that counted it (p50 / p99), and the backlog when the writer stops (records not yet
 * aggregated) with the time to catch up. Each mode writes to its own tenant, so their counters are apart.
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { localCredentials, localRegion, startEngines } from '../infra/local/engines';
import { invokeHandler } from '../infra/local/invoke-handler';
import { createLocalLog } from '../infra/local/log';
import { startStreamPoller } from '../infra/local/stream-poller';
import { streamConsumers } from '../shared/manifest';
import { resetEnvForTests } from '../shared/runtime/env';
import { dynamo } from '../shared/runtime/clients';
import { keys } from '../shared/store/keys';
import { awsPrices } from './aws-prices';
import { pointAtEngines } from './engines';
import { kpiFunction, kpiLagsMs, modelledWriteUnits, quietFor } from './kpi-cost';
import { Meters } from './meters';
import { distribution, round, round3 } from './stats';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '50' }, seconds: { type: 'string', default: '20' }, rounds: { type: 'string', default: '2' } } });
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const shops = ['shop-a', 'shop-b', 'shop-c'];
const agents = Array.from({ length: 20 }, (_, i) => `agent-${i}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Mode = 'merged' | 'per-fact';

async function main() {
  const engines = await startEngines({ restart: false });
  const writer = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: engines.dynamoEndpoint, region: localRegion, credentials: localCredentials }), { marshallOptions: { removeUndefinedValues: true } });
  try {
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    pointAtEngines(engines);
    const meters = new Meters();
    meters.instrumentDynamo(dynamo());
    meters.instrumentInvocations();
    const consumer = streamConsumers.find((spec) => spec.name === kpiFunction)!;
    const poller = await startStreamPoller({
      consumer,
      tableName: engines.tableName,
      dynamoEndpoint: engines.dynamoEndpoint,
      invoke: (spec, event) => invokeHandler(spec, event),
      log: createLocalLog({ quiet: true }),
      idlePollMs: 250,
    });
    const results: Record<string, unknown>[] = [];
    try {
      const modes: Mode[] = Array.from({ length: rounds }, (_, i) => (i % 2 === 0 ? ['per-fact', 'merged'] : ['merged', 'per-fact']) as Mode[]).flat();
      for (const mode of modes) results.push(await runMode(mode, meters, writer, () => poller.status().recordsDelivered));
    } finally {
      await poller.stop();
    }
    const summary = (mode: Mode) => {
      const runs = results.filter((r) => r.mode === mode) as { usdPerMillionMessages: number; writeUnitsPerMessage: number; lagMs: { p50: number; p99: number }; backlogRecords: number; catchUpSeconds: number }[];
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
      return {
        writeUnitsPerMessage: median(runs.map((r) => r.writeUnitsPerMessage)),
        usdPerMillionMessages: median(runs.map((r) => r.usdPerMillionMessages)),
        lagP50Ms: median(runs.map((r) => r.lagMs.p50)),
        lagP99Ms: median(runs.map((r) => r.lagMs.p99)),
        backlogRecords: median(runs.map((r) => r.backlogRecords)),
        catchUpSeconds: median(runs.map((r) => r.catchUpSeconds)),
      };
    };
    console.log(`\n[kpi-aggregation] medians: per-fact ${JSON.stringify(summary('per-fact'))}\n[kpi-aggregation] medians: merged   ${JSON.stringify(summary('merged'))}`);
  } finally {
    writer.destroy();
    await engines.stop();
  }
}

async function runMode(mode: Mode, meters: Meters, writer: DynamoDBDocumentClient, delivered: () => number) {
  const tenant = `bench-kpi-${mode}-${randomUUID().slice(0, 6)}`;
  process.env.KPI_FACT_BATCHING = mode;
  resetEnvForTests();
  // 200 open conversations, each with its head's response facts.
  const conversations = Array.from({ length: 200 }, (_, i) => ({ id: `c-${i}`, shopId: shops[i % shops.length]!, agentId: agents[i % agents.length]!, questions: 0, replies: 0, askedAt: 0 }));
  for (const c of conversations) {
    await writer.send(
      new PutCommand({
        TableName: process.env.TABLE_NAME!,
        Item: { ...keys.conversation(tenant, c.id), entity: 'Conversation', tenantId: tenant, shopId: c.shopId, conversationId: c.id, buyerId: `buyer-${c.id}`, assigneeId: c.agentId, stage: 'pre-sale', status: 'assigned', responseFacts: { questions: 0, replies: 0, responseCount: 0, responseMsTotal: 0 } },
      }),
    );
  }
  // Let the aggregator finish the seeding before the window.
  await quietFor(delivered, 3000, 120_000);
  meters.reset();
  kpiLagsMs.length = 0;
  const deliveredBefore = delivered();

  // The window: `rate` messages a second, a question then its answer on each conversation in turn.
  let written = 0;
  let records = 0;
  const started = Date.now();
  const total = Math.round(rate * seconds);
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const c = conversations[Math.floor(n / 2) % conversations.length]!;
    const now = new Date();
    const key = keys.conversation(tenant, c.id);
    if (n % 2 === 0) {
      c.questions += 1;
      c.askedAt = now.getTime();
      await writer.send(new UpdateCommand({ TableName: process.env.TABLE_NAME!, Key: key, UpdateExpression: 'SET responseFacts.questions = :q, lastMessageAt = :at', ExpressionAttributeValues: { ':q': c.questions, ':at': now.toISOString() } }));
      records += 1;
    } else {
      c.replies += 1;
      const ms = Math.max(1, now.getTime() - c.askedAt);
      await writer.send(
        new UpdateCommand({
          TableName: process.env.TABLE_NAME!,
          Key: key,
          UpdateExpression: `SET responseFacts.replies = :r, responseFacts.responseCount = :r, responseFacts.responseMsTotal = responseFacts.responseMsTotal + :ms, lastMessageAt = :at${c.replies === 1 ? ', responseFacts.firstResponseMs = :ms' : ''}`,
          ExpressionAttributeValues: { ':r': c.replies, ':ms': ms, ':at': now.toISOString() },
        }),
      );
      await writer.send(
        new PutCommand({
          TableName: process.env.TABLE_NAME!,
          Item: { pk: `T#${tenant}#ROUND#${c.id}`, sk: `R#${c.replies}`, entity: 'RoundOutcome', shopId: c.shopId, agentId: c.agentId, status: 'met', questionAt: new Date(c.askedAt).toISOString() },
        }),
      );
      records += 2;
    }
    written += 1;
  }
  const windowSeconds = (Date.now() - started) / 1000;
  const atEnd = delivered() - deliveredBefore;
  const caught = await quietFor(delivered, 8000, 150_000);
  const afterMs = caught.lastActivityAt - (started + windowSeconds * 1000);
  const snapshot = meters.snapshot();
  const operations = snapshot.dynamo[kpiFunction] ?? {};
  const wru = modelledWriteUnits(operations);
  const meteredWru = Object.values(operations).reduce((sum, stats) => sum + stats.billedWriteUnits, 0);
  const rru = Object.values(operations).reduce((sum, stats) => sum + stats.billedReadUnits, 0);
  const calls = snapshot.invocations[kpiFunction];
  const gbSeconds = calls ? (calls.billedMs / 1000) * (calls.memoryMb / 1024) : 0;
  const usd = ((wru * awsPrices.dynamoWriteRequestUnit + rru * awsPrices.dynamoReadRequestUnit + (calls?.invocations ?? 0) * awsPrices.lambdaRequest + gbSeconds * awsPrices.lambdaArmGbSecond) / written) * 1e6;
  const result = {
    mode,
    messages: written,
    achievedMessagesPerSecond: round(written / windowSeconds, 1),
    records,
    writeUnitsPerMessage: round3(wru / written),
    meteredWriteUnitsPerMessage: round3(meteredWru / written),
    transactionItemsPerRecord: round3((operations.TransactWriteItems?.transactionItems ?? 0) / records),
    readUnitsPerMessage: round3(rru / written),
    transactionsPerRecord: round3((operations.TransactWriteItems?.calls ?? 0) / records),
    invocations: calls?.invocations ?? 0,
    usdPerMillionMessages: round(usd, 2),
    lagMs: distribution(kpiLagsMs),
    backlogRecords: records - atEnd,
    catchUpSeconds: round(Math.max(0, afterMs) / 1000, 1),
    caughtUp: caught.idle,
  };
  console.log(`[kpi-aggregation] ${JSON.stringify(result)}`);
  return result;
}

await main();
