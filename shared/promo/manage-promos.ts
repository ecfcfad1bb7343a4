import type { Identity } from '../auth/identity';
import { NotFoundError, ValidationError } from '../http/errors';
import { getActualCapacity, getPromo, listAudit, listCapacityAsks, listPromos, savePromo, triggerPhase } from '../store/promos';
import { desiredCapacity, type ActualCapacity } from './capacity';
import { checkPromo, type Promo, type PutPromoBody, type WarmThroughput } from './calendar';
import { describeSwitches, type SwitchStep } from './describe-switches';
import type { PlanRequestBody } from './frames';
import { planStaffing } from './plan-staffing';
import { phaseInForce, phaseStart } from './promo-routing';
import { sizeInfrastructure } from './size-infrastructure';

export const promoDependencies = {
  getPromo,
  listPromos,
  savePromo,
  triggerPhase,
  listAudit,
  listCapacityAsks,
  getActualCapacity: async () => (await getActualCapacity()).actual,
  now: () => new Date(),
};
export type PromoDependencies = typeof promoDependencies;

/** Who may change the calendar and trigger phases: the tenant's ops and admins (the handlers say the same). */
export const promoRoles = ['ops', 'admin'] as const;

/** The region's current warm throughput as the control set it: asks below it are refused. */
function currentWarm(actual: ActualCapacity): WarmThroughput | undefined {
  const { table, gsi1, gsi2 } = actual.warmThroughput;
  return table && gsi1 && gsi2 ? { table, gsi1, gsi2 } : undefined;
}

/**
 * Creates or replaces a promo of the caller's tenant. Every rule of the calendar is checked first
 * (checkPromo); a refusal is a 400 naming each offending field and writes nothing. With `dryRun` nothing
 * is written either: the answer is the promo as it would be stored and the plan of its switches.
 */
export async function putPromo(
  identity: Identity,
  promoId: string,
  body: PutPromoBody,
  options: { dryRun: boolean },
  deps: Pick<PromoDependencies, 'getPromo' | 'savePromo' | 'getActualCapacity' | 'now'> = promoDependencies,
): Promise<{ promo: Promo; plan: SwitchStep[]; dryRun: boolean }> {
  const now = deps.now();
  const [previous, actual] = await Promise.all([deps.getPromo(identity.tenantId, promoId), deps.getActualCapacity()]);
  const { phases, problems } = checkPromo(body, now, currentWarm(actual), previous?.phases);
  if (problems.length > 0) throw new ValidationError(`${problems[0]!.field}: ${problems[0]!.message}`, problems);
  const kept = new Set(phases.map((phase) => phase.phaseId));
  const promo: Promo = {
    promoId,
    name: body.name,
    zone: body.zone,
    shopIds: body.shopIds,
    phases,
    triggered: Object.fromEntries(Object.entries(previous?.triggered ?? {}).filter(([phaseId]) => kept.has(phaseId))),
    version: (previous?.version ?? 0) + 1,
    createdAt: previous?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
    updatedBy: identity.userId,
  };
  const plan = describeSwitches(promo, actual);
  if (options.dryRun) return { promo, plan, dryRun: true };
  return { promo: await deps.savePromo(promo, identity.tenantId, previous, identity.userId), plan, dryRun: false };
}

export async function readPromo(identity: Identity, promoId: string, deps: Pick<PromoDependencies, 'getPromo'> = promoDependencies): Promise<Promo> {
  const promo = await deps.getPromo(identity.tenantId, promoId);
  if (!promo) throw new NotFoundError('promo');
  return promo;
}

export async function readCalendar(identity: Identity, deps: Pick<PromoDependencies, 'listPromos'> = promoDependencies): Promise<{ promos: Promo[] }> {
  const promos = await deps.listPromos(identity.tenantId);
  return { promos: promos.sort((a, b) => (a.phases[0]?.startsAt ?? '').localeCompare(b.phases[0]?.startsAt ?? '')) };
}

/**
 * Starts a phase now instead of at its time (an ops trigger), audited. A second trigger of the same
 * phase changes nothing and says so (`unchanged`, reliability row 25). A phase that has ended cannot
 * be triggered (400 naming the path's phaseId).
 */
export async function triggerPromoPhase(identity: Identity, promoId: string, phaseId: string, deps: PromoDependencies = promoDependencies) {
  const promo = await readPromo(identity, promoId, deps);
  const phase = promo.phases.find((p) => p.phaseId === phaseId);
  if (!phase) throw new NotFoundError('phase');
  const now = deps.now();
  if (Date.parse(phase.endsAt) <= now.getTime()) {
    throw new ValidationError('the phase has ended', [{ field: 'path.phaseId', message: 'the phase has ended' }]);
  }
  const result = await deps.triggerPhase(identity.tenantId, promo, phaseId, identity.userId, now);
  return { promoId, phaseId, result, startsAt: result === 'triggered' ? now.toISOString() : phaseStart(promo, phase) };
}

/**
 * A promo's status: each phase's state and switches (routing is evaluated from the calendar, so what is
 * desired is what routing does, within the routing cache's 30 s), and the region's capacity, desired
 * (from every tenant's asks and the clock) against actual (what the capacity control last reached or,
 * locally, recorded without sending). Region figures only: never another tenant's ids.
 */
export async function promoStatus(identity: Identity, promoId: string, deps: PromoDependencies = promoDependencies) {
  const promo = await readPromo(identity, promoId, deps);
  const now = deps.now();
  const [asks, actual, audit] = await Promise.all([deps.listCapacityAsks(), deps.getActualCapacity(), deps.listAudit(identity.tenantId, promoId)]);
  const desired = desiredCapacity(asks, now);
  const phases = promo.phases.map((phase) => ({
    phaseId: phase.phaseId,
    kind: phase.kind,
    startsAt: phase.startsAt,
    endsAt: phase.endsAt,
    effectiveStart: phaseStart(promo, phase),
    state: phaseInForce(promo, phase, now) ? 'in-force' : now.toISOString() >= phase.endsAt ? 'ended' : 'scheduled',
    routingInForce: phase.routing !== undefined && phaseInForce(promo, phase, now),
    ...(phase.routing?.contentSet ? { contentSet: phase.routing.contentSet } : {}),
  }));
  const warm = Object.fromEntries(
    (['table', 'gsi1', 'gsi2'] as const).map((name) => {
      const want = desired.warmThroughput?.[name];
      const have = actual.warmThroughput[name];
      const reached = want && have && have.readUnitsPerSecond >= want.readUnitsPerSecond && have.writeUnitsPerSecond >= want.writeUnitsPerSecond;
      return [name, { desired: want ?? null, actual: have ?? null, state: !want ? 'not-asked' : !reached ? 'not-applied' : have.status }];
    }),
  );
  return {
    promoId,
    at: now.toISOString(),
    phases,
    capacity: {
      mode: actual.mode,
      /** Locally nothing is sent to AWS: the control records the commands it would issue. */
      note: actual.mode === 'record' ? 'local stack: commands are recorded, not sent to AWS' : 'commands are sent to AWS by the capacity control',
      warmThroughput: warm,
      provisionedConcurrency: { desired: desired.provisionedConcurrencyPreset, actual: actual.provisionedConcurrencyPreset ?? null },
      eventSourcesAndCaps: { desired: desired.switchPreset, actual: actual.switchPreset ?? null },
      lastCommands: actual.lastCommands,
      updatedAt: actual.updatedAt ?? null,
    },
    audit,
  };
}

/**
 * The staffing and capacity plan for a stored promo: its phases with the caller's sales plan (400
 * naming `body.sales.N.phaseId` for a phase the promo lacks), as JSON or the staffing CSV.
 */
export async function planPromo(identity: Identity, promoId: string, body: PlanRequestBody, deps: Pick<PromoDependencies, 'getPromo'> = promoDependencies) {
  const promo = await readPromo(identity, promoId, deps);
  const phaseIds = new Set(promo.phases.map((phase) => phase.phaseId));
  const unknown = body.sales.flatMap((row, index) => (phaseIds.has(row.phaseId) ? [] : [{ field: `body.sales.${index}.phaseId`, message: 'no such phase in the promo' }]));
  if (unknown.length > 0) throw new ValidationError(`${unknown[0]!.field}: ${unknown[0]!.message}`, unknown);
  const staffing = planStaffing({
    zone: promo.zone,
    phases: promo.phases,
    sales: body.sales,
    ...(body.staffing ? { staffing: body.staffing } : {}),
    ...(body.curve ? { curve: body.curve } : {}),
    scheduled: body.scheduled,
  });
  return { staffing, infrastructure: sizeInfrastructure(staffing) };
}
