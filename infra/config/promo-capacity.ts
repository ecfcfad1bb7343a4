import type { Manifest } from '../../shared/manifest';
import type { CapacityTargets } from '../../shared/promo/capacity';
import { capacityPresetNames } from '../../shared/promo/calendar';
import { tableSchema } from '../../shared/store/table-schema';
import { consumerMaxConcurrency, type RegionConfig } from './regions';

/** How the caller names what it deployed: tokens in the CDK stack, plain names locally. */
export interface DeployedNames {
  tableName: string;
  functionName: (specName: string) => string;
  mappingUuid: (consumerName: string) => string;
}

/**
 * The capacity control's targets for a region: every preset's value for each latency-critical alias,
 * event source mapping and non-urgent consumer, from the region config and the manifest. One function
 * for the CDK stack and the local stack, so the commands recorded locally are those sent in the cloud.
 * A name in `promoControl` that the manifest lacks fails the synth.
 */
export function capacityTargetsFor(region: RegionConfig, manifest: Manifest, names: DeployedNames, mode: CapacityTargets['mode']): CapacityTargets {
  const byPreset = <T>(value: (preset: RegionConfig['capacity']['normal']) => T) =>
    Object.fromEntries(capacityPresetNames.map((name) => [name, value(region.capacity[name])])) as Record<(typeof capacityPresetNames)[number], T>;
  const interactive = new Set([manifest.webSocketAuthorizer, ...manifest.httpRoutes, ...manifest.webSocketRoutes].map((spec) => spec.name));
  for (const name of region.promoControl.latencyCriticalFunctions) {
    if (!interactive.has(name)) throw new Error(`region ${region.name}: latency-critical function ${name} is not an interactive manifest entry`);
  }
  const consumers = new Map(manifest.queueConsumers.map((spec) => [spec.name, spec]));
  for (const name of region.promoControl.nonUrgentConsumers) {
    if (!consumers.has(name)) throw new Error(`region ${region.name}: non-urgent consumer ${name} is not a manifest queue consumer`);
  }
  const nonUrgent = new Set(region.promoControl.nonUrgentConsumers);
  const reservedFor = (name: string, preset: RegionConfig['capacity']['normal']) =>
    preset.nonUrgentReservedConcurrency ?? (preset.reserveConsumerConcurrency ? consumerMaxConcurrency(consumers.get(name)!.maxConcurrency, preset) : null);
  // A mapping allowed more pollers than its function's reserved concurrency gets throttled, and every
  // throttled batch counts towards the queue's maxReceiveCount: a capped consumer's mapping is capped too.
  const mappingMax = (spec: Manifest['queueConsumers'][number], preset: RegionConfig['capacity']['normal']) => {
    const scaled = consumerMaxConcurrency(spec.maxConcurrency, preset);
    const reserved = nonUrgent.has(spec.name) ? reservedFor(spec.name, preset) : null;
    return reserved === null ? scaled : Math.max(2, Math.min(scaled, reserved));
  };
  return {
    mode,
    tableName: names.tableName,
    indexNames: Object.keys(tableSchema.indexes),
    aliases: region.promoControl.latencyCriticalFunctions.map((name) => ({
      name,
      functionName: names.functionName(name),
      qualifier: 'live',
      provisionedConcurrency: byPreset((preset) => preset.latencyCriticalProvisionedConcurrency ?? preset.interactiveProvisionedConcurrency),
    })),
    mappings: manifest.queueConsumers.map((spec) => ({
      name: spec.name,
      uuid: names.mappingUuid(spec.name),
      maxConcurrency: byPreset((preset) => mappingMax(spec, preset)),
    })),
    nonUrgent: region.promoControl.nonUrgentConsumers.map((name) => ({
      name,
      functionName: names.functionName(name),
      reservedConcurrency: byPreset((preset) => reservedFor(name, preset)),
    })),
  };
}
