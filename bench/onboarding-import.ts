/**
 * Onboarding imports (issue 12): a 10,000-user CSV and a 50,000-row catalogue CSV, each run through the
 * production code (shared/people/manage-users.ts importUsers; shared/catalogue/import-catalogue.ts
 * startCatalogueImport + importCatalogueBatch) against DynamoDB Local, metering every DynamoDB call with
 * ReturnConsumedCapacity. Measured, not asserted: time, rows per second, billed write/read units per row.
 *
 * The catalogue's batches normally travel the imports queue to the ImportCatalogueBatches consumer; here
 * the bench catches the jobs the start would send and runs the consumer's function on each, 4 at once
 * (the consumer's maxConcurrency is of that order), so the time is the writes', not SQS's. The number of
 * batches (= SQS messages) is reported.
 */
import { cpus, loadavg } from 'node:os';
import { startEngines } from '../infra/local/engines';
import type { Identity } from '../shared/auth/identity';
import { catalogueDependencies, importCatalogueBatch, startCatalogueImport } from '../shared/catalogue/import-catalogue';
import type { CatalogueBatchJob } from '../shared/catalogue/import-job';
import { importUserBatch, importUsers, userDependencies } from '../shared/people/manage-users';
import type { UserBatchJob } from '../shared/people/user';
import { putShop } from '../shared/routing/manage-shops';
import { dynamo } from '../shared/runtime/clients';
import { createTenant } from '../shared/tenants/manage-tenants';
import { awsPrices } from './aws-prices';
import { pointAtEngines, units } from './engines';
import type { Meters } from './meters';

export interface OnboardingImportOptions {
  users: number;
  products: number;
  shops: number;
}
export const defaultOnboardingImportOptions: OnboardingImportOptions = { users: 10_000, products: 50_000, shops: 20 };

interface ImportMeasure {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  billedWriteUnits: number;
  billedReadUnits: number;
  writeUnitsPerRow: number;
  readUnitsPerRow: number;
  dynamoCalls: number;
  usdPerThousandRows: number;
}

export interface OnboardingImportResult {
  scenario: 'onboarding-import';
  measuredAt: string;
  machine: { cpus: number; cpuModel: string | undefined; loadAverage: number };
  /** requestSeconds: the POST's part (every row checked, seats taken, batches queued); batches: 0 when written in the request. */
  users: ImportMeasure & { agents: number; supervisors: number; dryRunSeconds: number; requestSeconds: number; batches: number };
  catalogue: ImportMeasure & { batches: number; startSeconds: number };
  notes: string[];
}

const tenantId = 'bench-onboarding';
const operator: Identity = { tenantId: 'kefu-platform', userId: 'bench-operator', role: 'platform', shopIds: [] };
const admin: Identity = { tenantId, userId: 'bench-admin', role: 'admin', shopIds: [] };

function measure(rows: number, ms: number, meters: Meters): ImportMeasure {
  const { read, write, calls } = units(meters);
  const usd = write * awsPrices.dynamoWriteRequestUnit + read * awsPrices.dynamoReadRequestUnit;
  return {
    rows,
    seconds: Number((ms / 1000).toFixed(2)),
    rowsPerSecond: Math.round(rows / (ms / 1000)),
    billedWriteUnits: Number(write.toFixed(1)),
    billedReadUnits: Number(read.toFixed(1)),
    writeUnitsPerRow: Number((write / rows).toFixed(3)),
    readUnitsPerRow: Number((read / rows).toFixed(3)),
    dynamoCalls: calls,
    usdPerThousandRows: Number(((usd / rows) * 1000).toFixed(5)),
  };
}

/** 1 in 20 a supervisor of 2 shops, the rest agents of 1-2 shops (they join every group of their shops). */
function userCsv(count: number, shops: number): { csv: string; agents: number } {
  const lines = ['userId,name,role,shopIds,email'];
  let agents = 0;
  for (let i = 0; i < count; i++) {
    const shop = `shop-${i % shops}`;
    const other = `shop-${(i + 7) % shops}`;
    const supervisor = i % 20 === 0;
    if (!supervisor) agents++;
    lines.push(`u${String(i).padStart(5, '0')},客服${i}号,${supervisor ? 'supervisor' : 'agent'},${supervisor || i % 3 === 0 ? `${shop};${other}` : shop},u${i}@bench.example`);
  }
  return { csv: lines.join('\n'), agents };
}

function catalogueCsv(count: number): string {
  const lines = ['sku,title,price_minor,attr.sizes,attr.ingredients'];
  const words = ['保湿', '面霜', '精华', '礼盒', '口红', '防晒', '洁面', '套装'];
  for (let i = 0; i < count; i++) lines.push(`SKU-${String(i).padStart(6, '0')},${words[i % 8]}${words[(i * 7) % 8]} ${i % 500}ml,${1000 + (i % 9000)},${i % 500}ml,水;甘油`);
  return lines.join('\n');
}

export async function runOnboardingImport(meters: Meters, options: OnboardingImportOptions = defaultOnboardingImportOptions): Promise<OnboardingImportResult> {
  const engines = await startEngines({ restart: false });
  try {
    pointAtEngines(engines);
    await createTenant(operator, {
      tenantId,
      name: 'Bench BPO',
      region: 'cn-north-1',
      timeZone: 'Asia/Shanghai',
      limits: { shops: 3000, seats: options.users + 100 },
      firstAdmin: { userId: admin.userId },
    });
    for (let s = 0; s < options.shops; s++) {
      const shopId = `shop-${s}`;
      await putShop(admin, shopId, { name: shopId, category: 'cosmetics', routing: { mode: 'by-stage', groups: { 'pre-sale': `${shopId}-pre`, 'in-sale': `${shopId}-pre`, 'after-sale': `${shopId}-after` } } } as never);
    }
    meters.instrumentDynamo(dynamo());

    const { csv, agents } = userCsv(options.users, options.shops);
    meters.reset();
    let started = performance.now();
    const dry = await importUsers(admin, csv, { dryRun: true });
    const dryRunSeconds = Number(((performance.now() - started) / 1000).toFixed(2));
    if (dry.accepted || !dry.result.valid) throw new Error(`the bench's user file is not valid: ${JSON.stringify(dry.accepted ? dry : dry.result.errors.slice(0, 3))}`);
    meters.reset();
    started = performance.now();
    // Over asyncUserImportRows the request checks the file and takes the seats, and the imports queue's
    // consumer writes the batches: here the request, then 4 workers as the consumer's concurrency.
    const userJobs: UserBatchJob[] = [];
    const userDeps = { ...userDependencies, sendUserImportBatches: async (batch: readonly UserBatchJob[]) => void userJobs.push(...batch), notifyUser: async () => undefined };
    const outcome = await importUsers(admin, csv, { dryRun: false }, userDeps);
    const requestSeconds = Number(((performance.now() - started) / 1000).toFixed(2));
    let nextUserJob = 0;
    const userWorker = async () => {
      while (nextUserJob < userJobs.length) await importUserBatch(userJobs[nextUserJob++]!, userDeps);
    };
    await Promise.all(Array.from({ length: 4 }, userWorker));
    const importedCount = outcome.accepted ? ((await userDeps.getUserImport(admin.tenantId, outcome.progress.importId))?.imported ?? 0) : outcome.result.imported;
    const users = { ...measure(importedCount, performance.now() - started, meters), agents, supervisors: options.users - agents, dryRunSeconds, requestSeconds, batches: userJobs.length };
    console.log(`[onboarding-import] users: ${users.rows} in ${users.seconds} s (${users.rowsPerSecond}/s), ${users.writeUnitsPerRow} WRU and ${users.readUnitsPerRow} RRU per row; dry run ${dryRunSeconds} s; request ${requestSeconds} s, then ${userJobs.length} queued batches`);

    const jobs: CatalogueBatchJob[] = [];
    const deps = { ...catalogueDependencies, sendCatalogueBatches: async (batch: CatalogueBatchJob[]) => void jobs.push(...batch) };
    meters.reset();
    started = performance.now();
    await startCatalogueImport(admin, 'shop-0', { importId: 'bench-catalogue', format: 'csv', csv: catalogueCsv(options.products) }, deps as typeof catalogueDependencies);
    const startSeconds = Number(((performance.now() - started) / 1000).toFixed(2));
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) await importCatalogueBatch(jobs[next++]!, deps as typeof catalogueDependencies);
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const catalogue = { ...measure(options.products, performance.now() - started, meters), batches: jobs.length, startSeconds };
    console.log(`[onboarding-import] catalogue: ${catalogue.rows} rows in ${catalogue.seconds} s (${catalogue.rowsPerSecond}/s; start ${startSeconds} s), ${catalogue.batches} batches, ${catalogue.writeUnitsPerRow} WRU per row`);

    return {
      scenario: 'onboarding-import',
      measuredAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), loadAverage: Number(loadavg()[0]!.toFixed(2)) },
      users,
      catalogue,
      notes: [
        "Billed units = DynamoDB Local's ConsumedCapacity plus bench/meters.ts corrections (0.5 RRU minimum per empty Query, transactions at 2x).",
        'Users: a user item per row, an agent item and one membership per routing group for agents (2 groups per shop), BatchWrite 25 a call, 8 calls in flight; reads: shops, existing users and agents (BatchGet), seats, tenant. The import is synchronous (one request).',
        'Catalogue: the products and their title-word items of a new version, written by the batch consumer function; the SQS hop between start and batches is not timed (batches = SQS messages sent).',
        'Not in readUnitsPerRow: the existence check BatchGets every row\'s user and agent key (strongly consistent). DynamoDB Local reports nothing for keys that do not exist; DynamoDB bills 1 RRU per key read, so add about 2 RRU per row.',
        `USD at DynamoDB on-demand list prices (${awsPrices.region}, ${awsPrices.asOf}). DynamoDB Local on a shared 2-core machine: times compare only within one run.`,
      ],
    };
  } finally {
    await engines.stop();
  }
}

export function formatOnboardingImport(result: OnboardingImportResult): string {
  const row = (name: string, m: ImportMeasure) =>
    `${name.padEnd(10)} ${String(m.rows).padStart(6)} rows  ${String(m.seconds).padStart(7)} s  ${String(m.rowsPerSecond).padStart(6)} rows/s  ${String(m.writeUnitsPerRow).padStart(6)} WRU/row  ${String(m.readUnitsPerRow).padStart(6)} RRU/row  US$${m.usdPerThousandRows}/1,000 rows`;
  return [
    `onboarding-import on DynamoDB Local (load ${result.machine.loadAverage})`,
    row('users', result.users),
    row('catalogue', result.catalogue),
    `users: ${result.users.agents} agents, ${result.users.supervisors} supervisors; dry run of the whole file ${result.users.dryRunSeconds} s; the request ${result.users.requestSeconds} s, then ${result.users.batches} batches by the imports consumer's code`,
    `catalogue: ${result.catalogue.batches} batches (SQS messages); checking and starting took ${result.catalogue.startSeconds} s`,
  ].join('\n');
}
