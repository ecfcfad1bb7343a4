/**
 * The capacity control: the one module that changes AWS capacity (warm throughput, provisioned
 * concurrency, event-source and reserved concurrency). Only the ControlPromoCapacity schedule runs it,
 * and only that function's role may make these calls (infra/app-stack.ts, access `capacity:control`).
 * Locally (`mode: record`) the commands are recorded in the actual state and never sent: the status
 * says so.
 */
import { DescribeTableCommand, DynamoDBClient, ResourceInUseException, UpdateTableCommand, type UpdateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateEventSourceMappingCommand,
  type UpdateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import { logger } from '../runtime/observability';
import { env } from '../runtime/env';
import { getActualCapacity, listCapacityAsks, putActualCapacity } from '../store/promos';
import {
  afterCommands,
  capacityCommands,
  capacityTargetsSchema,
  desiredCapacity,
  type ActualCapacity,
  type CapacityCommand,
  type CapacityTargets,
} from './capacity';

let dynamoControl: DynamoDBClient | undefined;
let lambdaControl: LambdaClient | undefined;
const clients = () => ({ dynamodb: (dynamoControl ??= new DynamoDBClient({ maxAttempts: 3 })), lambda: (lambdaControl ??= new LambdaClient({ maxAttempts: 3 })) });

/** Sends one command with the AWS SDK. */
export async function sendCapacityCommand(command: CapacityCommand, aws = clients()): Promise<void> {
  const input = command.input as never;
  switch (command.command) {
    case 'UpdateTable':
      await aws.dynamodb.send(new UpdateTableCommand(input as UpdateTableCommandInput));
      return;
    case 'PutProvisionedConcurrencyConfig':
      await aws.lambda.send(new PutProvisionedConcurrencyConfigCommand(input));
      return;
    case 'DeleteProvisionedConcurrencyConfig':
      await aws.lambda.send(new DeleteProvisionedConcurrencyConfigCommand(input));
      return;
    case 'UpdateEventSourceMapping':
      await aws.lambda.send(new UpdateEventSourceMappingCommand(input as UpdateEventSourceMappingCommandInput));
      return;
    case 'PutFunctionConcurrency':
      await aws.lambda.send(new PutFunctionConcurrencyCommand(input));
      return;
    case 'DeleteFunctionConcurrency':
      await aws.lambda.send(new DeleteFunctionConcurrencyCommand(input));
      return;
  }
}

/** Which warm-throughput changes DynamoDB has finished: table and index statuses from DescribeTable. */
export async function describeWarmThroughput(tableName: string, aws = clients()): Promise<Record<string, 'active' | 'pending'>> {
  const { Table } = await aws.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  const state = (status: string | undefined) => (status === 'ACTIVE' ? 'active' : 'pending');
  return {
    table: state(Table?.WarmThroughput?.Status),
    ...Object.fromEntries((Table?.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName ?? '', state(index.WarmThroughput?.Status)])),
  };
}

export const capacityControlDependencies = {
  targets: (): CapacityTargets => {
    const raw = env().PROMO_CAPACITY_TARGETS;
    if (!raw) throw new Error('PROMO_CAPACITY_TARGETS is not set: the capacity control has nothing to control');
    return capacityTargetsSchema.parse(JSON.parse(raw));
  },
  listCapacityAsks: () => listCapacityAsks(),
  getActualCapacity: () => getActualCapacity(),
  putActualCapacity: (actual: ActualCapacity, readVersion: number) => putActualCapacity(actual, readVersion),
  send: (command: CapacityCommand) => sendCapacityCommand(command),
  describeWarmThroughput: (tableName: string) => describeWarmThroughput(tableName),
};
export type CapacityControlDependencies = typeof capacityControlDependencies;

/**
 * One run of the control: desired capacity from every tenant's asks and the clock, the commands for what
 * differs from the actual state, then (mode `send`) each command in turn, or (mode `record`) none sent
 * and all recorded. Warm throughput changes one resource at a time: DynamoDB refuses a second while the
 * table is UPDATING (ResourceInUseException), so the run stops warm-throughput there and the next run
 * continues. A failed command is logged and left for the next run (it is still a difference then). The
 * actual state is written from the version read, so an overlapping run cannot overwrite a newer one.
 * Run again on the same state it issues nothing: reliability row 25.
 */
export async function controlPromoCapacity(now: Date, deps: CapacityControlDependencies = capacityControlDependencies) {
  const targets = deps.targets();
  const [asks, { actual: read, version }] = await Promise.all([deps.listCapacityAsks(), deps.getActualCapacity()]);
  let actual = read;
  if (targets.mode === 'send' && Object.values(actual.warmThroughput).some((w) => w.status === 'pending')) {
    const statuses = await deps.describeWarmThroughput(targets.tableName);
    for (const [name, value] of Object.entries(actual.warmThroughput)) {
      if (value.status === 'pending' && statuses[name] === 'active') actual = { ...actual, warmThroughput: { ...actual.warmThroughput, [name]: { ...value, status: 'active' } } };
    }
  }
  const desired = desiredCapacity(asks, now);
  const commands = capacityCommands(desired, actual, targets);
  const accepted: CapacityCommand[] = [];
  if (targets.mode === 'record') accepted.push(...commands);
  else {
    let tableBusy = false;
    for (const command of commands) {
      if (command.command === 'UpdateTable' && tableBusy) continue;
      try {
        await deps.send(command);
        accepted.push(command);
        // One warm-throughput change per run: the table is UPDATING until it completes.
        if (command.command === 'UpdateTable') tableBusy = true;
      } catch (error) {
        if (error instanceof ResourceInUseException) tableBusy = true;
        else logger.error('capacity command failed; the next run retries it', { error: error as Error, command: command.command, resource: command.resource });
      }
    }
  }
  const converged = accepted.length === commands.length;
  const next = {
    ...afterCommands(actual, accepted, targets.mode, now),
    ...(converged ? { provisionedConcurrencyPreset: desired.provisionedConcurrencyPreset, switchPreset: desired.switchPreset } : {}),
  };
  // Nothing changed and nothing to say: no write, so a quiet minute costs one read.
  const changed = accepted.length > 0 || next.provisionedConcurrencyPreset !== read.provisionedConcurrencyPreset || next.switchPreset !== read.switchPreset || actual !== read;
  const written = changed ? await deps.putActualCapacity(next, version) : true;
  return { mode: targets.mode, desired, commands: commands.length, accepted: accepted.length, written };
}
