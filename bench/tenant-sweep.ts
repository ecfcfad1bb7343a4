/**
 * The tenant purge's sweep (issue 12 §1; docs/onboarding.md "Tenant deletion"): time and DynamoDB units
 * of the parallel Scan that finds every item left of a deleted tenant, on DynamoDB Local, for a table of
 * `others` items of 50 other tenants and `own` items of the purged one (about 400 bytes each, like a
 * message). Runs the production code (purgeDueTenants on a marker whose walk is done, so only the sweep,
 * the tombstone and the marker's deletion run), metering every call with ReturnConsumedCapacity.
 *
 *   nice -n 10 npx tsx bench/tenant-sweep.ts [--others 50000] [--own 5000]
 *
 * Run once, not in a timed test; the numbers are quoted in docs/onboarding.md with the machine's load.
 */
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startEngines } from '../infra/local/engines';
import { dynamo } from '../shared/runtime/clients';
import { env } from '../shared/runtime/env';
import { keys } from '../shared/store/keys';
import { purgeDependencies, purgeDueTenants, sweepSegments } from '../shared/tenants/purge-tenants';
import { awsPrices } from './aws-prices';
import { pointAtEngines, units } from './engines';
import { Meters } from './meters';

const { values } = parseArgs({ options: { others: { type: 'string', default: '50000' }, own: { type: 'string', default: '5000' } } });
const others = Number(values.others);
const own = Number(values.own);
const purged = 'bench-gone';
const text = '亲，您好！您的订单已发货，预计两到三天送达，请注意查收。'.repeat(4);

/** A message-like item of the tenant: the kinds differ in key only, and the sweep reads every item alike. */
function item(tenantId: string, i: number): Record<string, unknown> {
  return { ...keys.message(tenantId, `conv-${Math.floor(i / 20)}`, i % 20), entity: 'Message', senderId: `buyer-${i}`, text, createdAt: '2026-12-01T00:00:00.000Z' };
}

async function seed(items: Record<string, unknown>[]): Promise<void> {
  const table = env().TABLE_NAME;
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      let pending: Record<string, unknown>[] | undefined = items.slice(next, next + 25).map((Item) => ({ PutRequest: { Item } }));
      next += 25;
      while (pending && pending.length > 0) {
        const result = await dynamo().send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
        pending = result.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function main() {
  const engines = await startEngines({ tableName: 'kefu-bench-sweep' });
  try {
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    pointAtEngines(engines);
    const items = [
      ...Array.from({ length: others }, (_, i) => item(`bench-t${i % 50}`, i)),
      ...Array.from({ length: own }, (_, i) => item(purged, i)),
    ];
    const tableBytes = items.reduce((sum, it) => sum + Buffer.byteLength(JSON.stringify(it)), 0);
    const seedStarted = Date.now();
    await seed(items);
    const purgeAfter = '2026-12-01T00:00:00.000Z';
    await dynamo().send(new PutCommand({ TableName: env().TABLE_NAME, Item: { ...keys.tenant(purged), entity: 'Tenant', tenantId: purged, status: 'deleted' } }));
    await dynamo().send(new PutCommand({ TableName: env().TABLE_NAME, Item: { ...keys.tenantPurgeDue(purgeAfter, purged), entity: 'TenantPurgeDue', tenantId: purged, purgeAfter, walkedAt: purgeAfter } }));
    console.log(`[tenant-sweep] seeded ${others} + ${own} items (~${Math.round(tableBytes / 1e6)} MB as JSON) in ${Math.round((Date.now() - seedStarted) / 1000)} s`);

    const meters = new Meters();
    meters.instrumentDynamo(dynamo());
    const load = loadavg()[0]!;
    const started = performance.now();
    const result = await purgeDueTenants(new Date('2026-12-02T00:00:00.000Z'), {}, purgeDependencies);
    const ms = Math.round(performance.now() - started);
    const measured = units(meters);
    const byOperation = Object.fromEntries(
      Object.values(meters.snapshot().dynamo).flatMap((operations) => Object.entries(operations).map(([operation, stats]) => [operation, { calls: stats.calls, rru: Number(stats.billedReadUnits.toFixed(1)), wru: Number(stats.billedWriteUnits.toFixed(1)) }])),
    );
    const usd = measured.read * awsPrices.dynamoReadRequestUnit + measured.write * awsPrices.dynamoWriteRequestUnit;
    console.log(JSON.stringify({
      scenario: 'tenant-sweep',
      measuredAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), loadAverageBefore: Number(load.toFixed(2)), loadAverageAfter: Number(loadavg()[0]!.toFixed(2)) },
      items: { others, own },
      segments: sweepSegments,
      result,
      ms,
      itemsPerSecondScanned: Math.round(((others + own) / ms) * 1000),
      billed: { rru: Number(measured.read.toFixed(1)), wru: Number(measured.write.toFixed(1)), calls: measured.calls, usd: Number(usd.toFixed(5)) },
      byOperation,
      notes: ['Billed units = DynamoDB Local\'s ConsumedCapacity plus bench/meters.ts corrections.', `Prices: ${awsPrices.region}, ${awsPrices.asOf}.`],
    }, null, 2));
  } finally {
    await engines.stop();
  }
}

void main();
