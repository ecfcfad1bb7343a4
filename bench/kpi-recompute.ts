/**
 * How long recomputing a month of one busy shop takes after an attribution-rule change (issue 9):
 * `flock /tmp/kefu-bench.lock npx tsx bench/kpi-recompute.ts [--orders 30000] [--buyers 20000]`.
 * Seeds one shop's stored facts in its own DynamoDB Local (receptions of `buyers` buyers, 3 per buyer
 * over the month, and `orders` paid orders), then runs the aggregator's recompute (the same function the
 * stream consumer runs on a rule change) and reports the wall time and DynamoDB units it used.
 */
import { parseArgs } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startEngines } from '../infra/local/engines';
import { recomputeAttribution } from '../shared/kpi/aggregate-changes';
import { dynamo } from '../shared/runtime/clients';
import { env } from '../shared/runtime/env';
import { batchWriteAll, putRequest } from '../shared/store/batch-write';
import { keys } from '../shared/store/keys';
import { orderMonthOf } from '../shared/store/kpi-aggregates';
import { pointAtEngines } from './engines';
import { modelledWriteUnits } from './kpi-cost';
import { Meters } from './meters';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '30000' }, buyers: { type: 'string', default: '20000' } } });
const orderCount = Number(values.orders);
const buyerCount = Number(values.buyers);
const tenant = 'bench-kpi';
const shop = 'busy-shop';

async function main() {
  const engines = await startEngines({ restart: false });
  try {
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    pointAtEngines(engines);
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
    await dynamo().send(
      new PutCommand({ TableName: env().TABLE_NAME, Item: { ...keys.attributionRule(tenant, shop), entity: 'AttributionRule', shopId: shop, mode: 'order-first', inquiryWindowDays: 7, version: 1, activeVersion: 0, active: { mode: 'payment', inquiryWindowDays: 3 } } }),
    );
    console.log(`[kpi-recompute] seeded ${buyerCount * 3} receptions of ${buyerCount} buyers and ${orderCount} orders in ${Math.round((Date.now() - seeded) / 1000)} s`);

    const meters = new Meters();
    meters.instrumentDynamo(dynamo());
    const started = Date.now();
    const result = await recomputeAttribution(tenant, shop, 1);
    const seconds = (Date.now() - started) / 1000;
    const snapshot = meters.snapshot();
    let wru = 0;
    let metered = 0;
    let rru = 0;
    for (const operations of Object.values(snapshot.dynamo)) {
      wru += modelledWriteUnits(operations);
      for (const stats of Object.values(operations)) (metered += stats.billedWriteUnits), (rru += stats.billedReadUnits);
    }
    console.log(
      `[kpi-recompute] ${result.orders} orders recomputed in ${seconds.toFixed(1)} s (${Math.round(result.orders / seconds)} orders/s), activated ${result.activated}; ${Math.round(wru)} WRU modelled (2 per transaction item; DynamoDB Local reported ${Math.round(metered)}), ${Math.round(rru)} RRU (US$${((wru * 0.625 + rru * 0.125) / 1e6).toFixed(3)})`,
    );
  } finally {
    await engines.stop();
  }
}

await main();
