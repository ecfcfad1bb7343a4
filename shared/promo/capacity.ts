/**
 * Region capacity for promos, as pure functions: what the region should run with now (from every
 * tenant's phase asks and the clock) and the AWS commands that take the actual state there. The capacity
 * control schedule (functions/schedule/control-promo-capacity.ts) runs these every minute; sending is in
 * capacity-control.ts.
 */
import { z } from 'zod';
import { capacityPresetNames, warmThroughputSchema, type CapacityPresetName, type WarmThroughput } from './calendar';

/** One phase's capacity ask, stored region-wide (store/promos.ts) when its promo is saved. */
export const capacityAskSchema = z.object({
  tenantId: z.string(),
  promoId: z.string(),
  phaseId: z.string(),
  preset: z.enum(capacityPresetNames),
  warmThroughput: warmThroughputSchema.optional(),
  startsAt: z.string(),
  endsAt: z.string(),
  /** An ops trigger made the phase start now, before its time. */
  triggeredAt: z.string().optional(),
});
export type CapacityAsk = z.infer<typeof capacityAskSchema>;

/**
 * How long before a phase each switch must happen (shared/platforms.md §5): warm throughput a day ahead
 * (it takes time to complete and capacity-mode changes are limited per 24 h), provisioned concurrency an
 * hour ahead (allocation takes minutes), event-source and reserved concurrency at the start.
 */
export const leadMinutes = { warmThroughput: 24 * 60, provisionedConcurrency: 60, switch: 0 } as const;

export interface DesiredCapacity {
  /** Largest warm throughput any ask due so far wanted: it can only go up. */
  warmThroughput: WarmThroughput | undefined;
  /** The preset for provisioned concurrency (one hour ahead) and for the rest (at the start). */
  provisionedConcurrencyPreset: CapacityPresetName;
  switchPreset: CapacityPresetName;
  /** Asks in force now, by reference, for the status. */
  inForce: { tenantId: string; promoId: string; phaseId: string }[];
}

const presetRank: Record<CapacityPresetName, number> = { normal: 0, promo: 1 };

/** When an ask takes effect: its start, or earlier if an ops trigger started it. */
export function effectiveStart(ask: Pick<CapacityAsk, 'startsAt' | 'triggeredAt'>): number {
  const start = Date.parse(ask.startsAt);
  return ask.triggeredAt === undefined ? start : Math.min(start, Date.parse(ask.triggeredAt));
}

/**
 * The capacity the region should have at `now`: the highest preset among the asks whose window (moved
 * earlier by its lead) contains now, and warm throughput as the element-wise maximum of every ask whose
 * lead has begun, past ones included (it was raised then and stays raised). Tenants share the region, so
 * one tenant's ask can raise but never lower what another's needs.
 */
export function desiredCapacity(asks: readonly CapacityAsk[], now: Date): DesiredCapacity {
  const t = now.getTime();
  const inWindow = (ask: CapacityAsk, lead: number) => effectiveStart(ask) - lead * 60_000 <= t && t < Date.parse(ask.endsAt);
  const highest = (lead: number) =>
    asks.filter((ask) => inWindow(ask, lead)).reduce<CapacityPresetName>((best, ask) => (presetRank[ask.preset] > presetRank[best] ? ask.preset : best), 'normal');
  let warm: WarmThroughput | undefined;
  for (const ask of asks) {
    if (!ask.warmThroughput || effectiveStart(ask) - leadMinutes.warmThroughput * 60_000 > t) continue;
    warm = maxWarmThroughput(warm, ask.warmThroughput);
  }
  return {
    warmThroughput: warm,
    provisionedConcurrencyPreset: highest(leadMinutes.provisionedConcurrency),
    switchPreset: highest(leadMinutes.switch),
    inForce: asks.filter((ask) => inWindow(ask, 0)).map(({ tenantId, promoId, phaseId }) => ({ tenantId, promoId, phaseId })),
  };
}

export function maxWarmThroughput(a: WarmThroughput | undefined, b: WarmThroughput): WarmThroughput {
  if (!a) return b;
  const max = (x: WarmThroughput['table'], y: WarmThroughput['table']) => ({
    readUnitsPerSecond: Math.max(x.readUnitsPerSecond, y.readUnitsPerSecond),
    writeUnitsPerSecond: Math.max(x.writeUnitsPerSecond, y.writeUnitsPerSecond),
  });
  return { table: max(a.table, b.table), gsi1: max(a.gsi1, b.gsi1), gsi2: max(a.gsi2, b.gsi2) };
}

/**
 * What the control may change, with each preset's value, resolved by the infrastructure (the CDK stack
 * from infra/config/regions.ts and the synthesized names; the local stack from the manifest): shared code
 * never reads the region config itself.
 */
export const capacityTargetsSchema = z.object({
  /** `send` in a deployed region; `record` locally, where there is no AWS to send to. */
  mode: z.enum(['send', 'record']),
  tableName: z.string().min(1),
  indexNames: z.array(z.string()),
  /** Latency-critical aliases: provisioned concurrency per preset. */
  aliases: z.array(z.object({ name: z.string(), functionName: z.string(), qualifier: z.string(), provisionedConcurrency: z.record(z.enum(capacityPresetNames), z.number().int().min(0)) })),
  /** SQS event source mappings: maximum concurrency per preset (2 … 1,000). */
  mappings: z.array(z.object({ name: z.string(), uuid: z.string(), maxConcurrency: z.record(z.enum(capacityPresetNames), z.number().int().min(2).max(1000)) })),
  /** Non-urgent consumers (outreach, analytics): reserved concurrency per preset; null = none reserved. */
  nonUrgent: z.array(z.object({ name: z.string(), functionName: z.string(), reservedConcurrency: z.record(z.enum(capacityPresetNames), z.number().int().min(0).nullable()) })),
});
export type CapacityTargets = z.infer<typeof capacityTargetsSchema>;

/** What the control last reached (or, in record mode, last recorded). */
export const actualCapacitySchema = z.object({
  mode: z.enum(['send', 'record']),
  warmThroughput: z
    .record(z.string(), z.object({ readUnitsPerSecond: z.number(), writeUnitsPerSecond: z.number(), status: z.enum(['pending', 'active', 'recorded']) }))
    .default({}),
  provisionedConcurrency: z.record(z.string(), z.number()).default({}),
  mappingMaxConcurrency: z.record(z.string(), z.number()).default({}),
  reservedConcurrency: z.record(z.string(), z.number().nullable()).default({}),
  /** The presets the control last converged to (every command of the run accepted or recorded). */
  provisionedConcurrencyPreset: z.enum(capacityPresetNames).optional(),
  switchPreset: z.enum(capacityPresetNames).optional(),
  lastCommands: z.array(z.unknown()).default([]),
  updatedAt: z.string().optional(),
});
export type ActualCapacity = z.infer<typeof actualCapacitySchema>;

/** The AWS calls the control makes, as data: recorded locally, asserted in tests, sent in the cloud. */
export type CapacityCommand =
  | { service: 'dynamodb'; command: 'UpdateTable'; resource: string; input: Record<string, unknown>; irreversible: true }
  | { service: 'lambda'; command: 'PutProvisionedConcurrencyConfig' | 'DeleteProvisionedConcurrencyConfig'; resource: string; input: Record<string, unknown> }
  | { service: 'lambda'; command: 'UpdateEventSourceMapping'; resource: string; input: Record<string, unknown> }
  | { service: 'lambda'; command: 'PutFunctionConcurrency' | 'DeleteFunctionConcurrency'; resource: string; input: Record<string, unknown> };

/**
 * The commands that take `actual` to `desired`, only for what differs: run twice on the same state, the
 * second run issues nothing (reliability row 25: a schedule firing twice changes nothing). Warm
 * throughput is one UpdateTable per table or index (DynamoDB accepts one change at a time while the
 * table is UPDATING; the sender stops at the first refusal and the next run continues), and never lower
 * than what is already set.
 */
export function capacityCommands(desired: DesiredCapacity, actual: ActualCapacity, targets: CapacityTargets): CapacityCommand[] {
  const commands: CapacityCommand[] = [];
  if (desired.warmThroughput) {
    const resources: [string, WarmThroughput['table']][] = [
      ['table', desired.warmThroughput.table],
      ...targets.indexNames.map((name) => [name, desired.warmThroughput![name as keyof WarmThroughput]] as [string, WarmThroughput['table']]),
    ];
    for (const [resource, want] of resources) {
      if (!want) continue;
      const have = actual.warmThroughput[resource];
      const read = Math.max(want.readUnitsPerSecond, have?.readUnitsPerSecond ?? 0);
      const write = Math.max(want.writeUnitsPerSecond, have?.writeUnitsPerSecond ?? 0);
      if (have && have.readUnitsPerSecond === read && have.writeUnitsPerSecond === write) continue;
      const warm = { ReadUnitsPerSecond: read, WriteUnitsPerSecond: write };
      const input =
        resource === 'table'
          ? { TableName: targets.tableName, WarmThroughput: warm }
          : { TableName: targets.tableName, GlobalSecondaryIndexUpdates: [{ Update: { IndexName: resource, WarmThroughput: warm } }] };
      commands.push({ service: 'dynamodb', command: 'UpdateTable', resource, input, irreversible: true });
    }
  }
  for (const alias of targets.aliases) {
    const want = alias.provisionedConcurrency[desired.provisionedConcurrencyPreset] ?? 0;
    if ((actual.provisionedConcurrency[alias.name] ?? -1) === want) continue;
    commands.push(
      want === 0
        ? { service: 'lambda', command: 'DeleteProvisionedConcurrencyConfig', resource: alias.name, input: { FunctionName: alias.functionName, Qualifier: alias.qualifier } }
        : {
            service: 'lambda',
            command: 'PutProvisionedConcurrencyConfig',
            resource: alias.name,
            input: { FunctionName: alias.functionName, Qualifier: alias.qualifier, ProvisionedConcurrentExecutions: want },
          },
    );
  }
  for (const mapping of targets.mappings) {
    const want = mapping.maxConcurrency[desired.switchPreset];
    if (want === undefined || actual.mappingMaxConcurrency[mapping.name] === want) continue;
    commands.push({ service: 'lambda', command: 'UpdateEventSourceMapping', resource: mapping.name, input: { UUID: mapping.uuid, ScalingConfig: { MaximumConcurrency: want } } });
  }
  for (const consumer of targets.nonUrgent) {
    const want = consumer.reservedConcurrency[desired.switchPreset] ?? null;
    if (consumer.name in actual.reservedConcurrency && actual.reservedConcurrency[consumer.name] === want) continue;
    commands.push(
      want === null
        ? { service: 'lambda', command: 'DeleteFunctionConcurrency', resource: consumer.name, input: { FunctionName: consumer.functionName } }
        : { service: 'lambda', command: 'PutFunctionConcurrency', resource: consumer.name, input: { FunctionName: consumer.functionName, ReservedConcurrentExecutions: want } },
    );
  }
  return commands;
}

/** The actual state once `commands` were accepted (sent) or recorded. */
export function afterCommands(actual: ActualCapacity, commands: readonly CapacityCommand[], mode: CapacityTargets['mode'], now: Date): ActualCapacity {
  const next: ActualCapacity = structuredClone({ ...actual, mode, lastCommands: [...commands], updatedAt: now.toISOString() });
  for (const c of commands) {
    if (c.command === 'UpdateTable') {
      const warm = (c.resource === 'table' ? c.input.WarmThroughput : (c.input.GlobalSecondaryIndexUpdates as { Update: { WarmThroughput: unknown } }[])[0]?.Update.WarmThroughput) as {
        ReadUnitsPerSecond: number;
        WriteUnitsPerSecond: number;
      };
      next.warmThroughput[c.resource] = { readUnitsPerSecond: warm.ReadUnitsPerSecond, writeUnitsPerSecond: warm.WriteUnitsPerSecond, status: mode === 'record' ? 'recorded' : 'pending' };
    } else if (c.command === 'PutProvisionedConcurrencyConfig') next.provisionedConcurrency[c.resource] = c.input.ProvisionedConcurrentExecutions as number;
    else if (c.command === 'DeleteProvisionedConcurrencyConfig') next.provisionedConcurrency[c.resource] = 0;
    else if (c.command === 'UpdateEventSourceMapping') next.mappingMaxConcurrency[c.resource] = (c.input.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency;
    else if (c.command === 'PutFunctionConcurrency') next.reservedConcurrency[c.resource] = c.input.ReservedConcurrentExecutions as number;
    else next.reservedConcurrency[c.resource] = null;
  }
  return next;
}
