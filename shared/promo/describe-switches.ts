import { leadMinutes, type ActualCapacity } from './capacity';
import type { CapacityPresetName, Promo, WarmThroughput } from './calendar';
import { phaseStart } from './promo-routing';

/**
 * Lambda provisioned concurrency on arm64, US East, per GB-second while allocated (AWS Lambda pricing
 * page as quoted 2026-11; check before quoting a customer). Warm throughput: "proactive increases are
 * charged", price not retrieved (shared/platforms.md §5), so the plan says so instead of inventing one.
 */
export const provisionedConcurrencyUsdPerGbSecond = 0.0000033334;
const functionMemoryGb = 0.5;

/** Region preset figures the dry run can quote (the command has infra/config; the API does not). */
export interface PresetFigures {
  /** Provisioned concurrency per latency-critical alias in each preset, and how many aliases. */
  provisionedConcurrencyPerAlias: Record<CapacityPresetName, number>;
  latencyCriticalAliases: number;
}

export interface SwitchStep {
  phaseId: string;
  at: string;
  switch: 'warm-throughput' | 'provisioned-concurrency' | 'event-source-concurrency' | 'routing';
  does: string;
  cost: string;
  irreversible: boolean;
}

/**
 * The dry-run plan of a promo: every switch each phase makes, when (its lead before the phase), what it
 * costs, and which steps cannot be undone (warm throughput cannot be lowered). Pure; shown by
 * `PUT /v1/promos/{id}?dryRun=true` and `npm run promo -- plan` before anything changes.
 */
export function describeSwitches(promo: Pick<Promo, 'phases' | 'triggered'>, actual: ActualCapacity | undefined, figures?: PresetFigures): SwitchStep[] {
  const steps: SwitchStep[] = [];
  for (const phase of promo.phases) {
    const start = Date.parse(phaseStart(promo, phase));
    const at = (minutes: number) => new Date(start - minutes * 60_000).toISOString();
    const hours = (Date.parse(phase.endsAt) - start + leadMinutes.provisionedConcurrency * 60_000) / 3_600_000;
    const infra = phase.infrastructure;
    if (infra?.warmThroughput) {
      steps.push({
        phaseId: phase.phaseId,
        at: at(leadMinutes.warmThroughput),
        switch: 'warm-throughput',
        does: `raise warm throughput (table ${units(infra.warmThroughput.table)}, gsi1 ${units(infra.warmThroughput.gsi1)}, gsi2 ${units(infra.warmThroughput.gsi2)})${raisedFrom(actual, infra.warmThroughput)}`,
        cost: 'proactive increases are charged by DynamoDB (price not published in our sources); on-demand traffic is billed as before',
        irreversible: true,
      });
    }
    if (infra) {
      const pc = figures ? figures.provisionedConcurrencyPerAlias[infra.preset] * figures.latencyCriticalAliases : undefined;
      const usd = pc === undefined ? undefined : pc * functionMemoryGb * hours * 3600 * provisionedConcurrencyUsdPerGbSecond;
      steps.push({
        phaseId: phase.phaseId,
        at: at(leadMinutes.provisionedConcurrency),
        switch: 'provisioned-concurrency',
        does: `provisioned concurrency on the latency-critical aliases from the region's "${infra.preset}" preset${pc === undefined ? '' : ` (${pc} instances in all)`}, until ${phase.endsAt}`,
        cost: usd === undefined ? 'billed per GB-second while allocated, idle or not' : `≈ US$${usd.toFixed(2)} for ${hours.toFixed(1)} h (${pc} × 0.5 GB at $${provisionedConcurrencyUsdPerGbSecond}/GB-s)`,
        irreversible: false,
      });
      steps.push({
        phaseId: phase.phaseId,
        at: at(leadMinutes.switch),
        switch: 'event-source-concurrency',
        does: `queue consumers' maximum concurrency and non-urgent consumers' reserved caps from the "${infra.preset}" preset, until ${phase.endsAt}`,
        cost: 'free (concurrency is billed only when used); caps on non-urgent consumers delay their work, they do not drop it',
        irreversible: false,
      });
    }
    if (phase.routing && (phase.routing.stageBorrowing.length > 0 || phase.routing.backupGroup || phase.routing.contentSet)) {
      const lends = phase.routing.stageBorrowing.map((b) => `${b.from} agents also serve ${b.to}`);
      const set = phase.routing.contentSet ? [`quick replies tagged "${phase.routing.contentSet}" sent instead of the everyday ones`] : [];
      steps.push({
        phaseId: phase.phaseId,
        at: at(0),
        switch: 'routing',
        does: [...lends, ...(phase.routing.backupGroup ? [`backup group ${phase.routing.backupGroup}`] : []), ...set].join('; ') + `, until ${phase.endsAt}`,
        cost: 'free; ends by itself with the phase',
        irreversible: false,
      });
    }
  }
  return steps.sort((a, b) => a.at.localeCompare(b.at));
}

function units(t: WarmThroughput['table']): string {
  return `${t.writeUnitsPerSecond} WRU/s, ${t.readUnitsPerSecond} RRU/s`;
}

function raisedFrom(actual: ActualCapacity | undefined, _asked: WarmThroughput): string {
  const table = actual?.warmThroughput.table;
  return table ? ` from table ${table.writeUnitsPerSecond} WRU/s, ${table.readUnitsPerSecond} RRU/s` : '';
}
