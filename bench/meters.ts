import { AsyncLocalStorage } from 'node:async_hooks';
import { kpiLagsMs, recordKpiLag } from './kpi-cost';
import { performance } from 'node:perf_hooks';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { observeInvocations } from '../infra/local/invoke-handler';
import { defaultMemoryMb } from '../infra/local/lambda-context';
import { connectionsApi, dynamo, sqs } from '../shared/runtime/clients';

/**
 * What the benchmark counts inside the local stack's process, per function (handler) that made the call:
 * DynamoDB capacity (a middleware on the shared dynamo() client asks every command that supports it for
 * `ReturnConsumedCapacity: 'INDEXES'` — the TOTAL plus its split into table and index units — and sums
 * what comes back), SQS requests (a middleware on the shared
 * sqs() client; the queue pollers' own clients are counted by wrapping SQSClient.prototype.send, because
 * the local stack keeps them private), @connections posts (a middleware on the connectionsApi() client)
 * and handler invocations with their durations (the local stack's optional invocation observer).
 *
 * Attribution: each handler call runs inside an AsyncLocalStorage context naming its function, so an SDK
 * call made anywhere below a handler is charged to it. Calls outside any handler are charged to `poller`
 * (the event source mapping's receive/delete) or `outside` (setup, the bench itself).
 *
 * With handlers in worker threads (the local stack's default), each handler thread installs its own
 * Meters on its own clients (`installInWorker`, imported there by the local stack) and sends what it
 * counted back with every invocation's result; the stack's thread merges it into these maps, where the
 * queue pollers' SQS calls are counted.
 */

const currentFunction = new AsyncLocalStorage<string>();
const outside = 'outside';

/** DynamoDB operations that accept ReturnConsumedCapacity. */
const capacityOperations = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]);
/** The units of a BatchGet's keys that found no item (DynamoDB Local reports 0 for them; unprocessed keys are not billed). */
function batchGetMissUnits(input: Record<string, unknown>, output: Record<string, unknown>): number {
  let units = 0;
  const requested = (input.RequestItems ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>;
  const responses = (output.Responses ?? {}) as Record<string, unknown[]>;
  const unprocessed = (output.UnprocessedKeys ?? {}) as Record<string, { Keys?: unknown[] }>;
  for (const [table, request] of Object.entries(requested)) {
    const missing = (request.Keys?.length ?? 0) - (responses[table]?.length ?? 0) - (unprocessed[table]?.Keys?.length ?? 0);
    units += Math.max(0, missing) * (request.ConsistentRead ? 1 : 0.5);
  }
  return units;
}

const readOperations = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

export interface DynamoStats {
  calls: number;
  errors: number;
  conditionFailures: number;
  transactionCancels: number;
  /** Successful calls that came back without ConsumedCapacity (none expected). */
  withoutCapacity: number;
  /** Capacity units exactly as DynamoDB Local reported them. */
  reportedReadUnits: number;
  reportedWriteUnits: number;
  /** The part of reportedWriteUnits written to global secondary indexes. */
  reportedIndexWriteUnits: number;
  /**
   * Read/write request units DynamoDB on-demand would bill: reported units plus the corrections listed
   * in `dynamoCorrections` (things DynamoDB Local does not report).
   */
  billedReadUnits: number;
  billedWriteUnits: number;
  /** The part of billed*Units that is estimated rather than reported. */
  estimatedReadUnits: number;
  estimatedWriteUnits: number;
  /**
   * Items in committed TransactWriteItems calls. DynamoDB Local reports a transaction's units far below
   * one per item (seen with the KPI aggregator's 100-item transactions), so `--kpis` also models them:
   * 2 WRU per item of ≤ 1 KB (bench/kpi-cost.ts).
   */
  transactionItems?: number;
}

/** How billed units differ from what DynamoDB Local reports; printed with the results. */
export const dynamoCorrections = [
  'Query/Scan that reads no item: DynamoDB Local reports 0; DynamoDB bills the minimum, 0.5 RRU (eventually consistent) or 1 RRU (strongly consistent).',
  'TransactWriteItems/TransactGetItems: DynamoDB Local reports standard units; DynamoDB bills transactional reads and writes at 2x. Billed = 2 x the table units + 1 x the index units (assumed: index propagation is not part of the transaction; doubling it too would add reportedIndexWriteUnits once more).',
  'A write whose ConditionExpression fails: DynamoDB Local returns no ConsumedCapacity with the error; DynamoDB still bills the write. Estimated at 1 WRU (every kefu item written on these paths is < 1 KB).',
  'A cancelled transaction: no ConsumedCapacity with the error; estimated at 2 WRU per item in the request (an upper bound).',
  'BatchGetItem: DynamoDB Local reports units for the items found only; each key not found is billed like a GetItem miss, 0.5 RRU (eventually consistent) or 1 RRU (strongly consistent).',
  'Successful calls returning no ConsumedCapacity (none seen so far): estimated at 1 WRU / 0.5 RRU, counted in withoutCapacity.',
];

export interface SqsStats {
  requests: number;
  /** SQS bills each 64 KB chunk of a request payload as one request. */
  billedRequests: number;
  messages: number;
  emptyReceives: number;
  errors: number;
}

export interface PostStats {
  posts: number;
  gone: number;
  errors: number;
  /** API Gateway bills WebSocket messages in 32 KB increments. */
  billedMessages: number;
  bytes: number;
}

export interface InvocationStats {
  invocations: number;
  errors: number;
  /** SQS records handled (queue consumers only). */
  records: number;
  memoryMb: number;
  totalMs: number;
  /** Sum of per-invocation durations rounded up to the millisecond, as Lambda bills them. */
  billedMs: number;
  durationsMs: number[];
}

export interface MeterSnapshot {
  startedAt: number;
  endedAt: number;
  /** function → DynamoDB operation → stats */
  dynamo: Record<string, Record<string, DynamoStats>>;
  /** function → `<operation> <queue>` → stats */
  sqs: Record<string, Record<string, SqsStats>>;
  /** function → stats */
  posts: Record<string, PostStats>;
  /** function → stats */
  invocations: Record<string, InvocationStats>;
  /** --kpis: message → KPI lags a handler thread recorded (bench/kpi-cost.ts). */
  kpiLagsMs?: number[];
}

const maxDurationSamples = 200_000;

export class Meters {
  private dynamo = new Map<string, Map<string, DynamoStats>>();
  private sqs = new Map<string, Map<string, SqsStats>>();
  private posts = new Map<string, PostStats>();
  private invocations = new Map<string, InvocationStats>();
  private startedAt = Date.now();
  /** Clients whose calls are the bench's own (queue depth polling) and are not counted. */
  readonly ignoredClients = new WeakSet<object>();

  reset(): void {
    this.dynamo.clear();
    this.sqs.clear();
    this.posts.clear();
    this.invocations.clear();
    this.startedAt = Date.now();
  }

  /** What was counted since the last reset, and a reset: a handler thread's report to the stack's thread. */
  drain(): MeterSnapshot | undefined {
    if (this.dynamo.size + this.sqs.size + this.posts.size + this.invocations.size === 0) return undefined;
    const counted = this.snapshot();
    this.reset();
    if (kpiLagsMs.length > 0) counted.kpiLagsMs = kpiLagsMs.splice(0);
    return counted;
  }

  /** Adds a handler thread's counts (from drain()) to these. */
  merge(counted: MeterSnapshot): void {
    if (counted.kpiLagsMs) kpiLagsMs.push(...counted.kpiLagsMs);
    const add = <T extends object>(target: T, source: T) => {
      for (const [key, value] of Object.entries(source)) {
        if (typeof value === 'number') (target as Record<string, number>)[key] = ((target as Record<string, number>)[key] ?? 0) + value;
      }
    };
    for (const [fn, operations] of Object.entries(counted.dynamo)) for (const [op, stats] of Object.entries(operations)) add(this.dynamoStats(fn, op), stats);
    for (const [fn, keys] of Object.entries(counted.sqs)) for (const [key, stats] of Object.entries(keys)) add(this.sqsStats(fn, key), stats);
    for (const [fn, stats] of Object.entries(counted.posts)) add(this.postStats(fn), stats);
    for (const [fn, stats] of Object.entries(counted.invocations)) {
      const target = this.invocationStats(fn, stats.memoryMb);
      const { durationsMs, memoryMb: _memory, ...sums } = stats;
      add(target, sums);
      for (const ms of durationsMs) if (target.durationsMs.length < maxDurationSamples) target.durationsMs.push(ms);
    }
  }

  private invocationStats(fn: string, memoryMb: number): InvocationStats {
    let stats = this.invocations.get(fn);
    if (!stats) this.invocations.set(fn, (stats = { invocations: 0, errors: 0, records: 0, memoryMb, totalMs: 0, billedMs: 0, durationsMs: [] }));
    return stats;
  }

  snapshot(): MeterSnapshot {
    const nested = <T>(map: Map<string, Map<string, T>>) =>
      Object.fromEntries([...map].map(([fn, inner]) => [fn, Object.fromEntries([...inner].map(([k, v]) => [k, structuredClone(v)]))]));
    return {
      startedAt: this.startedAt,
      endedAt: Date.now(),
      dynamo: nested(this.dynamo),
      sqs: nested(this.sqs),
      posts: Object.fromEntries([...this.posts].map(([k, v]) => [k, { ...v }])),
      invocations: Object.fromEntries([...this.invocations].map(([k, v]) => [k, { ...v, durationsMs: [...v.durationsMs] }])),
    };
  }

  private dynamoStats(fn: string, operation: string): DynamoStats {
    let inner = this.dynamo.get(fn);
    if (!inner) this.dynamo.set(fn, (inner = new Map()));
    let stats = inner.get(operation);
    if (!stats) {
      stats = {
        calls: 0,
        errors: 0,
        conditionFailures: 0,
        transactionCancels: 0,
        withoutCapacity: 0,
        reportedReadUnits: 0,
        reportedWriteUnits: 0,
        reportedIndexWriteUnits: 0,
        billedReadUnits: 0,
        billedWriteUnits: 0,
        estimatedReadUnits: 0,
        estimatedWriteUnits: 0,
        transactionItems: 0,
      };
      inner.set(operation, stats);
    }
    return stats;
  }

  private sqsStats(fn: string, key: string): SqsStats {
    let inner = this.sqs.get(fn);
    if (!inner) this.sqs.set(fn, (inner = new Map()));
    let stats = inner.get(key);
    if (!stats) inner.set(key, (stats = { requests: 0, billedRequests: 0, messages: 0, emptyReceives: 0, errors: 0 }));
    return stats;
  }

  private postStats(fn: string): PostStats {
    let stats = this.posts.get(fn);
    if (!stats) this.posts.set(fn, (stats = { posts: 0, gone: 0, errors: 0, billedMessages: 0, bytes: 0 }));
    return stats;
  }

  /** Adds the capacity middleware to the DynamoDB client every handler shares (dynamo()). */
  instrumentDynamo(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = operationName(context.commandName);
        const fn = currentFunction.getStore() ?? outside;
        const input = args.input as Record<string, unknown>;
        const supported = capacityOperations.has(operation);
        const request = supported ? { ...args, input: { ...input, ReturnConsumedCapacity: 'INDEXES' } } : args;
        this.dynamoStats(fn, operation).calls++;
        const isRead = readOperations.has(operation);
        try {
          const result = await next(request);
          // Looked up again after the call, as every outcome below: a reset or a handler thread's drain while
          // it ran must not drop its units into a window already reported.
          if (supported) this.addCapacity(this.dynamoStats(fn, operation), operation, isRead, input, (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity, result.output as Record<string, unknown>);
          if (operation === 'TransactWriteItems' && Array.isArray(input.TransactItems)) {
            const stats = this.dynamoStats(fn, operation);
            stats.transactionItems = (stats.transactionItems ?? 0) + input.TransactItems.length;
          }
          return result;
        } catch (error) {
          const stats = this.dynamoStats(fn, operation);
          stats.errors++;
          const name = (error as Error).name;
          if (name === 'ConditionalCheckFailedException') {
            stats.conditionFailures++;
            stats.billedWriteUnits += 1;
            stats.estimatedWriteUnits += 1;
          } else if (name === 'TransactionCanceledException') {
            stats.transactionCancels++;
            const items = Array.isArray(input.TransactItems) ? input.TransactItems.length : 1;
            stats.billedWriteUnits += 2 * items;
            stats.estimatedWriteUnits += 2 * items;
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'benchConsumedCapacity', priority: 'high' },
    );
  }

  private addCapacity(stats: DynamoStats, operation: string, isRead: boolean, input: Record<string, unknown>, consumed: unknown, output: Record<string, unknown> = {}): void {
    const entries = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as {
      CapacityUnits?: number;
      ReadCapacityUnits?: number;
      WriteCapacityUnits?: number;
      GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
    }[];
    if (entries.length === 0) {
      stats.withoutCapacity++;
      const estimate = isRead ? (input.ConsistentRead ? 1 : 0.5) : 1;
      if (isRead) {
        stats.billedReadUnits += estimate;
        stats.estimatedReadUnits += estimate;
      } else {
        stats.billedWriteUnits += estimate;
        stats.estimatedWriteUnits += estimate;
      }
      return;
    }
    let read = 0;
    let write = 0;
    let indexWrite = 0;
    for (const entry of entries) {
      if (!isRead) for (const index of Object.values(entry.GlobalSecondaryIndexes ?? {})) indexWrite += index.CapacityUnits ?? 0;
      if (entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined) {
        read += entry.ReadCapacityUnits ?? 0;
        write += entry.WriteCapacityUnits ?? 0;
      } else if (isRead) read += entry.CapacityUnits ?? 0;
      else write += entry.CapacityUnits ?? 0;
    }
    stats.reportedReadUnits += read;
    stats.reportedWriteUnits += write;
    stats.reportedIndexWriteUnits += indexWrite;
    let billedRead = read;
    let billedWrite = write;
    if ((operation === 'Query' || operation === 'Scan') && read === 0) billedRead = input.ConsistentRead ? 1 : 0.5;
    if (operation === 'TransactWriteItems') billedWrite = 2 * (write - indexWrite) + indexWrite;
    if (operation === 'TransactGetItems') billedRead = 2 * read;
    if (operation === 'BatchGetItem') billedRead += batchGetMissUnits(input, output);
    stats.billedReadUnits += billedRead;
    stats.billedWriteUnits += billedWrite;
    stats.estimatedReadUnits += billedRead - read;
    stats.estimatedWriteUnits += billedWrite - write;
  }

  /**
   * Counts SQS requests: a middleware on the shared sqs() client (the handlers' sends), and a wrapper on
   * SQSClient.prototype.send for every other SQS client in the process (the local stack's queue pollers,
   * whose clients are private), so receives and deletes are counted too.
   */
  instrumentSqs(shared: SQSClient): void {
    shared.middlewareStack.add(
      (next, context) => async (args) => {
        const fn = currentFunction.getStore() ?? outside;
        return this.countSqs(fn, operationName(context.commandName), args.input as Record<string, unknown>, () => next(args), (r) => r.output);
      },
      { step: 'initialize', name: 'benchSqsRequests', priority: 'high' },
    );
    const meters = this;
    const original = SQSClient.prototype.send;
    if ((original as { benchWrapped?: boolean }).benchWrapped) return;
    const wrapped = function (this: SQSClient, command: { input: Record<string, unknown>; constructor: { name: string } }, ...rest: unknown[]) {
      const call = () => (original as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
      if (this === shared || meters.ignoredClients.has(this)) return call();
      const fn = currentFunction.getStore() ?? 'poller';
      return meters.countSqs(fn, operationName(command.constructor.name), command.input, call, (r) => r);
    };
    (wrapped as { benchWrapped?: boolean }).benchWrapped = true;
    SQSClient.prototype.send = wrapped as typeof SQSClient.prototype.send;
  }

  private async countSqs<R>(
    fn: string,
    operation: string,
    input: Record<string, unknown>,
    call: () => Promise<R>,
    outputOf: (result: R) => unknown,
  ): Promise<R> {
    const queue = typeof input.QueueUrl === 'string' ? input.QueueUrl.split('/').pop() : undefined;
    const key = queue ? `${operation} ${queue}` : operation;
    const started = this.sqsStats(fn, key);
    started.requests++;
    const payloadBytes = sqsPayloadBytes(operation, input);
    started.billedRequests += Math.max(1, Math.ceil(payloadBytes / (64 * 1024)));
    try {
      const result = await call();
      const stats = this.sqsStats(fn, key);
      const output = outputOf(result) as { Messages?: unknown[]; Successful?: unknown[] } | undefined;
      if (operation === 'ReceiveMessage') {
        const received = output?.Messages?.length ?? 0;
        stats.messages += received;
        if (received === 0) stats.emptyReceives++;
      } else if (operation === 'SendMessage') stats.messages += 1;
      else if (output?.Successful) stats.messages += output.Successful.length;
      return result;
    } catch (error) {
      this.sqsStats(fn, key).errors++;
      throw error;
    }
  }

  /** Counts @connections posts on the client the handlers share for the stack's management endpoint. */
  instrumentConnections(client: ApiGatewayManagementApiClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const fn = currentFunction.getStore() ?? outside;
        const operation = operationName(context.commandName);
        if (operation !== 'PostToConnection') return next(args);
        const stats = this.postStats(fn);
        const data = (args.input as { Data?: Uint8Array | string }).Data;
        const bytes = typeof data === 'string' ? Buffer.byteLength(data) : (data?.byteLength ?? 0);
        stats.posts++;
        stats.bytes += bytes;
        stats.billedMessages += Math.max(1, Math.ceil(bytes / (32 * 1024)));
        try {
          return await next(args);
        } catch (error) {
          if ((error as Error).name === 'GoneException') this.postStats(fn).gone++;
          else this.postStats(fn).errors++;
          throw error;
        }
      },
      { step: 'initialize', name: 'benchConnectionPosts', priority: 'high' },
    );
  }

  /**
   * Times every handler invocation of the local stack and runs it in its function's attribution context;
   * handler threads do the same with their own Meters (installInWorker) and report here.
   */
  instrumentInvocations(): void {
    const inWorkers = { module: new URL('./meters.ts', import.meta.url).href, onUsage: (usage: unknown) => this.merge(usage as MeterSnapshot) };
    observeInvocations(async (spec, event, call) => {
      const records = (event as { Records?: unknown[] } | null)?.Records;
      const started = performance.now();
      let failed = false;
      try {
        return await currentFunction.run(spec.name, call);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        recordKpiLag(spec.name, event, Date.now());
        const ms = performance.now() - started;
        // Looked up after the call: a reset while it ran counts it in the new window.
        const stats = this.invocationStats(spec.name, spec.memoryMb ?? defaultMemoryMb);
        stats.invocations++;
        if (failed) stats.errors++;
        if (Array.isArray(records)) stats.records += records.length;
        stats.totalMs += ms;
        stats.billedMs += Math.max(1, Math.ceil(ms));
        if (stats.durationsMs.length < maxDurationSamples) stats.durationsMs.push(ms);
      }
    }, inWorkers);
  }

  /** Invocations of one function since the last reset (cheap; no snapshot). */
  invocationCount(functionName: string): number {
    return this.invocations.get(functionName)?.invocations ?? 0;
  }

  uninstall(): void {
    observeInvocations(undefined);
  }
}

/**
 * Run in each handler thread by the local stack (see WorkerInstrumentation in infra/local/invoke-handler.ts):
 * the same meters on that thread's shared clients; `drain()` is sent back with each invocation's result.
 */
export function installInWorker(): { drain(): MeterSnapshot | undefined; uninstall(): void } {
  const meters = new Meters();
  const endpoint = process.env.WS_MANAGEMENT_ENDPOINT;
  meters.instrumentDynamo(dynamo());
  meters.instrumentSqs(sqs());
  if (endpoint) meters.instrumentConnections(connectionsApi(endpoint));
  meters.instrumentInvocations();
  return { drain: () => meters.drain(), uninstall: () => meters.uninstall() };
}

/** `PutItemCommand` → `PutItem`; the document client's `PutCommand` → `PutItem`. */
function operationName(commandName: string | undefined): string {
  const name = (commandName ?? 'Unknown').replace(/Command$/, '');
  const documentNames: Record<string, string> = {
    Put: 'PutItem',
    Get: 'GetItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    BatchGet: 'BatchGetItem',
    BatchWrite: 'BatchWriteItem',
    TransactWrite: 'TransactWriteItems',
    TransactGet: 'TransactGetItems',
  };
  return documentNames[name] ?? name;
}

function sqsPayloadBytes(operation: string, input: Record<string, unknown>): number {
  if (operation === 'SendMessage') return Buffer.byteLength(String(input.MessageBody ?? ''));
  if (operation === 'SendMessageBatch' && Array.isArray(input.Entries)) {
    return (input.Entries as { MessageBody?: string }[]).reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? ''), 0);
  }
  return 0;
}
