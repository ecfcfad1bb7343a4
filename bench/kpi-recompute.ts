/**
 * How long recomputing a month of one busy shop takes after an attribution-rule change (issue 9):
 * `flock /tmp/kefu-bench.lock npx tsx bench/kpi-recompute.ts [--orders 30000] [--buyers 20000] [--concurrency 4]`.
 * Seeds one shop's stored facts in its own DynamoDB Local (receptions of `buyers` buyers, 3 per buyer
 * over the month, and `orders` paid orders), then runs the recompute the way a rule change does: the
 * stream consumer's enqueue (the month's first page on the `recompute` queue of its own SQS server), then
 * the RecomputeAttribution handler behind the local SQS event source mapping (infra/local/queue-poller.ts,
 * the manifest's batch size and concurrency) page by page until the version is active. Reports the wall
 * time, the slowest page (the bound that matters for the Lambda timeout) and the DynamoDB units.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { startEngines } from '../infra/local/engines';
import { createLambdaContext } from '../infra/local/lambda-context';
import { createLocalLog } from '../infra/local/log';
import { startQueuePoller } from '../infra/local/queue-poller';
import { handler as recomputeHandler } from '../functions/queue/recompute-attribution';
import { aggregateDependencies, enqueueAttributionRecompute } from '../shared/kpi/aggregate-changes';
import { monthsBack, recomputeStart } from '../shared/kpi/attribution-rule';
import { queueConsumers } from '../shared/manifest';
import { recomputeDependencies } from '../shared/kpi/recompute-attribution';
import { dynamo } from '../shared/runtime/clients';
import { env } from '../shared/runtime/env';
import { batchWriteAll, putRequest } from '../shared/store/batch-write';
import { keys } from '../shared/store/keys';
import { getAttributionRule, orderMonthOf } from '../shared/store/kpi-aggregates';
import { pointAtEngines } from './engines';
import { modelledWriteUnits } from './kpi-cost';
import { Meters } from './meters';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '30000' }, buyers: { type: 'string', default: '20000' }, concurrency: { type: 'string' } } });
const orderCount = Number(values.orders);
const buyerCount = Number(values.buyers);
const consumerSpec = queueConsumers.find((consumer) => consumer.name === 'RecomputeAttribution')!;
const consumer = { ...consumerSpec, maxConcurrency: values.concurrency ? Number(values.concurrency) : consumerSpec.maxConcurrency };
const tenant = 'bench-kpi';
const shop = 'busy-shop';

async function main() {
  const engines = await startEngines({ restart: false });
  try {
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    pointAtEngines(engines, { sqs: true });
    const now = new Date();
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const span = Math.max(86_400_000, now.getTime() - monthStart - 3_600_000);
    const at = (fraction: number) => new Date(monthStart + Math.floor(fraction * span)).toISOString();
    const agents = Array.from({ length: 40 }, (_, i) => `agent-${i}`);
    const seeded = Date.now();
    const requests = [];
    for (let b = 0; b < buyerCount; b++) {
      for (let r = 0; r < 3; r++) {
        const when = at((b * 3 + r) / (buyerCount * 3));
        const agentId = agents[(b + r) % agents.length]!;
        const reception = { shopId: shop, conversationId: `c-${b}-${r}`, agentId, buyerId: `buyer-${b}`, at: when, stage: 'pre-sale' };
        requests.push(putRequest({ ...keys.kpiReception(tenant, shop, reception.buyerId, when, reception.conversationId, agentId), entity: 'KpiReception', ...reception }));
      }
    }
    for (let o = 0; o < orderCount; o++) {
      const buyerId = `buyer-${(o * 7) % buyerCount}`;
      const placedAt = at((o + 0.5) / orderCount);
      const paidAt = new Date(Math.min(Date.parse(placedAt) + 3_600_000 * (o % 30), now.getTime())).toISOString();
      const order = { shopId: shop, platform: 'taobao', orderId: `o-${o}`, buyerId, placedAt, paidAt, amount: 10_000 + (o % 50) * 100 };
      requests.push(putRequest({ ...keys.kpiOrderFact(tenant, shop, orderMonthOf(order), 'taobao', order.orderId), entity: 'KpiOrderFact', ...order }));
    }
    await batchWriteAll(dynamo(), requests);
    // The month being seeded only: the other months of a real recompute are empty here (one page each).
    const month = monthsBack(now, 1);
    await dynamo().send(
      new PutCommand({
        TableName: env().TABLE_NAME,
        Item: { ...keys.attributionRule(tenant, shop), entity: 'AttributionRule', shopId: shop, mode: 'order-first', inquiryWindowDays: 7, version: 1, activeVersion: 0, active: { mode: 'payment', inquiryWindowDays: 3 }, ...recomputeStart(1, month) },
      }),
    );
    console.log(`[kpi-recompute] seeded ${buyerCount * 3} receptions of ${buyerCount} buyers and ${orderCount} orders in ${Math.round((Date.now() - seeded) / 1000)} s`);

    const meters = new Meters();
    meters.instrumentDynamo(dynamo());
    const pageSeconds: number[] = [];
    const poller = await startQueuePoller({
      consumer,
      queueUrl: engines.queueUrls.recompute!,
      sqsEndpoint: engines.sqsEndpoint,
      log: createLocalLog({ quiet: true }),
      invoke: async (spec, event) => {
        const began = Date.now();
        try {
          return await recomputeHandler(event as SQSEvent, createLambdaContext(spec));
        } finally {
          pageSeconds.push((Date.now() - began) / 1000);
        }
      },
    });
    // The bench watches the rule through a client of its own, so its reads are not metered as the recompute's.
    const watcher = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const started = Date.now();
    await enqueueAttributionRecompute(tenant, shop, 1, now.toISOString(), aggregateDependencies);
    let rule = await getAttributionRule(tenant, shop, watcher);
    while (rule?.activeVersion !== 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      rule = await getAttributionRule(tenant, shop, watcher);
    }
    const seconds = (Date.now() - started) / 1000;
    await poller.stop();
    const result = { orders: Object.values(rule.recomputePages ?? {}).reduce((sum, page) => sum + page.orders, 0), activated: true };
    const snapshot = meters.snapshot();
    let wru = 0;
    let metered = 0;
    let rru = 0;
    for (const operations of Object.values(snapshot.dynamo)) {
      wru += modelledWriteUnits(operations);
      for (const stats of Object.values(operations)) (metered += stats.billedWriteUnits), (rru += stats.billedReadUnits);
    }
    console.log(
      `[kpi-recompute] ${result.orders} orders recomputed in ${seconds.toFixed(1)} s (${Math.round(result.orders / seconds)} orders/s) through the queue: ${pageSeconds.length} pages of ≤ ${recomputeDependencies.pageSize} orders, concurrency ${consumer.maxConcurrency}, page p50 ${median(pageSeconds).toFixed(1)} s, slowest ${Math.max(...pageSeconds).toFixed(1)} s, pages together ${pageSeconds.reduce((a, b) => a + b, 0).toFixed(1)} s (the rest of the wall time is the queue's hand-offs); activated ${result.activated}; ${Math.round(wru)} WRU modelled (2 per transaction item; DynamoDB Local reported ${Math.round(metered)}), ${Math.round(rru)} RRU (US$${((wru * 0.625 + rru * 0.125) / 1e6).toFixed(3)})`,
    );
  } finally {
    await engines.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

await main();
