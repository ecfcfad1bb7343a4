import type { Identity } from '../auth/identity';
import { serviceDaySchema } from '../conversations/conversation';
import { NotFoundError, ValidationError } from '../http/errors';
import { assertSupervisesShop } from '../routing/access';
import { deleteFaqEntry, getFaqEntry, getRobotSettings, listFaqEntries, putFaqEntries, putFaqEntry, putRobotSettings } from '../store/faq-entries';
import { readRobotDays } from '../store/robot-stats';
import { getShop } from '../store/shops';
import {
  faqEntryBodySchema,
  maxFaqEntriesPerShop,
  robotSettingsBodySchema,
  type FaqEntry,
  type FaqImportBody,
  type RobotDay,
  type RobotSettingsBody,
  type RobotSettingsView,
} from './faq';

/**
 * The FAQ and robot settings of a shop through the HTTP API (issue 8 §3): admins of the tenant and
 * supervisors of the shop. Any other shop, or another tenant's, is a 404 exactly like a missing one, and
 * nothing is read or written for it.
 */

export const manageFaqDependencies = {
  getFaqEntry,
  listFaqEntries,
  putFaqEntry,
  putFaqEntries,
  deleteFaqEntry,
  getRobotSettings,
  putRobotSettings,
  readRobotDays,
  shopExists: async (tenantId: string, shopId: string) => (await getShop(tenantId, shopId)) !== undefined,
};
type Deps = typeof manageFaqDependencies;

async function assertShop(identity: Identity, shopId: string, deps: Deps): Promise<void> {
  assertSupervisesShop(identity, shopId);
  if (!(await deps.shopExists(identity.tenantId, shopId))) throw new NotFoundError('shop');
}

export async function putFaq(identity: Identity, shopId: string, faqId: string, body: unknown, now = new Date(), deps: Deps = manageFaqDependencies): Promise<FaqEntry> {
  await assertShop(identity, shopId, deps);
  const content = faqEntryBodySchema.parse(body);
  const existing = await deps.getFaqEntry(identity.tenantId, shopId, faqId);
  if (!existing && (await deps.listFaqEntries(identity.tenantId, shopId)).length >= maxFaqEntriesPerShop) {
    throw new ValidationError(`a shop has at most ${maxFaqEntriesPerShop} FAQ entries`, [{ field: 'faqId', message: 'the shop has no room for another entry' }]);
  }
  const entry: FaqEntry = { faqId, shopId, ...content, updatedAt: now.toISOString(), updatedBy: identity.userId };
  await deps.putFaqEntry(identity.tenantId, entry, now);
  return entry;
}

export async function readFaq(identity: Identity, shopId: string, faqId: string, deps: Deps = manageFaqDependencies): Promise<FaqEntry> {
  assertSupervisesShop(identity, shopId);
  const entry = await deps.getFaqEntry(identity.tenantId, shopId, faqId);
  if (!entry) throw new NotFoundError('FAQ entry');
  return entry;
}

export async function listFaq(identity: Identity, shopId: string, deps: Deps = manageFaqDependencies): Promise<{ items: FaqEntry[]; version: number }> {
  await assertShop(identity, shopId, deps);
  const [items, settings] = await Promise.all([deps.listFaqEntries(identity.tenantId, shopId), deps.getRobotSettings(identity.tenantId, shopId)]);
  return { items: items.sort((a, b) => (a.faqId < b.faqId ? -1 : 1)), version: settings.faqVersion };
}

export async function removeFaq(identity: Identity, shopId: string, faqId: string, now = new Date(), deps: Deps = manageFaqDependencies): Promise<void> {
  assertSupervisesShop(identity, shopId);
  if (!(await deps.deleteFaqEntry(identity.tenantId, shopId, faqId, now))) throw new NotFoundError('FAQ entry');
}

/** Up to 99 entries in one transaction: every entry valid (the schema checked them) or none stored. */
export async function importFaq(identity: Identity, shopId: string, body: FaqImportBody, now = new Date(), deps: Deps = manageFaqDependencies): Promise<{ imported: number; version: number }> {
  await assertShop(identity, shopId, deps);
  const existing = new Set((await deps.listFaqEntries(identity.tenantId, shopId)).map((entry) => entry.faqId));
  const added = body.entries.filter((row) => !existing.has(row.faqId)).length;
  if (existing.size + added > maxFaqEntriesPerShop) {
    throw new ValidationError(`a shop has at most ${maxFaqEntriesPerShop} FAQ entries`, [{ field: 'entries', message: `${existing.size} stored + ${added} new is too many` }]);
  }
  const entries = body.entries.map(({ faqId, entry }): FaqEntry => ({ faqId, shopId, ...faqEntryBodySchema.parse(entry), updatedAt: now.toISOString(), updatedBy: identity.userId }));
  await deps.putFaqEntries(identity.tenantId, shopId, entries, now);
  return { imported: entries.length, version: (await deps.getRobotSettings(identity.tenantId, shopId)).faqVersion };
}

export async function setRobotSettings(identity: Identity, shopId: string, body: RobotSettingsBody, now = new Date(), deps: Deps = manageFaqDependencies): Promise<RobotSettingsView> {
  await assertShop(identity, shopId, deps);
  const settings = robotSettingsBodySchema.parse(body);
  const faqVersion = await deps.putRobotSettings(identity.tenantId, shopId, settings, identity.userId, now);
  return { shopId, settings, source: 'shop', faqVersion };
}

export async function readRobotSettings(identity: Identity, shopId: string, deps: Deps = manageFaqDependencies): Promise<RobotSettingsView> {
  await assertShop(identity, shopId, deps);
  const stored = await deps.getRobotSettings(identity.tenantId, shopId);
  return { shopId, settings: stored.settings, source: stored.stored ? 'shop' : 'default', faqVersion: stored.faqVersion };
}

/** Per shop-local day from..to (at most 92 days): the robot's conversations, answers, misses and hand-offs, with the rates. */
export async function readRobotStats(identity: Identity, shopId: string, query: { from: string; to: string }, deps: Deps = manageFaqDependencies): Promise<{ shopId: string; days: RobotDay[] }> {
  for (const field of ['from', 'to'] as const) {
    if (!serviceDaySchema.safeParse(query[field]).success) throw new ValidationError('not a calendar day', [{ field: `query.${field}`, message: 'must be a calendar day YYYY-MM-DD' }]);
  }
  if (query.from > query.to) throw new ValidationError('from is after to', [{ field: 'query.from', message: 'must not be after to' }]);
  if ((Date.parse(query.to) - Date.parse(query.from)) / 86_400_000 > 92) throw new ValidationError('range too long', [{ field: 'query.to', message: 'at most 92 days after from' }]);
  await assertShop(identity, shopId, deps);
  const days = await deps.readRobotDays(identity.tenantId, shopId, query.from, query.to);
  return { shopId, days: days.map(withRates) };
}

export function withRates(day: Awaited<ReturnType<Deps['readRobotDays']>>[number]): RobotDay {
  const rate = (n: number) => (day.conversations === 0 ? 0 : Math.round((n / day.conversations) * 10_000) / 10_000);
  return { ...day, resolutionRate: rate(Math.max(0, day.conversations - day.handoffs)), transferRate: rate(Math.min(day.handoffs, day.conversations)) };
}
