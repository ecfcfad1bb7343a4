import { logger } from '../runtime/observability';
import { listShopSupervisors } from '../store/shop-supervisors';
import {
  advanceSweepCursor,
  caseDueShards,
  deleteCaseDueEntry,
  getSweepCursor,
  listDueCaseEntries,
  type CaseDueEntry,
} from '../store/cases';
import type { AfterSalesCase } from './case';
import { casePolicyOf } from './case-settings';
import { caseDependencies, changeCase, type CaseDependencies } from './change-case';
import { caseHeadOf } from './case-view';
import { warningsDue, type DueWarning } from './warnings-due';

export const sweepDependencies = {
  ...caseDependencies,
  getCursor: (name: string) => getSweepCursor(name),
  advanceCursor: (name: string, from: string | undefined, to: string) => advanceSweepCursor(name, from, to),
  listDue: (hour: string, shard: number, from: string, to: string, limit: number, after?: CaseDueEntry['key']) =>
    listDueCaseEntries(hour, shard, from, to, limit, after),
  dropEntry: (entry: CaseDueEntry) => deleteCaseDueEntry(entry),
  /** The shop's supervisors with a live connection: the same directory the service clock alerts (one mechanism). */
  shopSupervisors: (tenantId: string, shopId: string, now: Date) => listShopSupervisors(tenantId, shopId, now),
};
export type SweepDependencies = typeof sweepDependencies;

export interface SweepOptions {
  /** The cursor's name: one per deployment (`CASEDUE`); a test or a replay may keep its own. */
  cursor?: string;
  /** Stop taking entries at this real time (the Lambda's time budget); the cursor keeps what was finished. */
  deadline?: Date;
  /** With no cursor yet, how far back the first run looks. */
  firstLookbackMinutes?: number;
}

export interface SweepReport {
  /** This minute was already swept (the cursor is at or past it): nothing was read (row 25). */
  alreadySwept: boolean;
  /** The minutes covered, first and last (inclusive). */
  from?: string;
  to?: string;
  /** Due-time index entries read: the cost grows with these, not with the cases open. */
  entriesRead: number;
  casesWarned: number;
  warningsPushed: number;
  /** Warnings recorded as sent without a push: a later point was due too (a delayed sweep sends one alert per case). */
  warningsSuperseded: number;
  /** Entries whose case no longer points at them (ended, moved), removed. */
  dropped: number;
  /** The cursor was moved by another run meanwhile: that run covers the rest. */
  lostCursorRace: boolean;
}

export const defaultSweepCursor = 'CASEDUE';
/** Minutes before the cursor read again: an entry filed by a writer whose clock lags the sweep's still gets swept. */
const overlapMinutes = 2;
const pageSize = 100;
const minuteMs = 60_000;

const minuteOf = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const msOf = (minute: string) => Date.parse(`${minute}:00.000Z`);

/**
 * The deadline sweep (every minute, issue 7 §3): reads the due-time index from the minute after its
 * cursor up to `now` (one Query per shard and hour partition over a sort-key range, so the cost is the
 * cases due, never the cases open), and for each case found pushes the `warningsDue` not yet sent to
 * the owner and the shop's supervisors, records them in the case (`warningsSent`) and re-files the case
 * at its next warning, all in the case's conditioned write (change-case.ts). Then it advances the cursor
 * with a condition on the value it read.
 *
 * Runs twice for the same minute (Scheduler fires at least once, row 25): the second finds the cursor at
 * that minute and reads nothing; two at once both read, but each warning key is recorded once under the
 * case's `rev` condition and only the run whose write won pushes it, so each warning arrives once.
 * `now` is the schedule's input (its scheduled time), never the wall clock, so a test or the local stack
 * can run a day of minutes in seconds.
 */
export async function sweepCaseDeadlines(now: Date, deps: SweepDependencies = sweepDependencies, options: SweepOptions = {}): Promise<SweepReport> {
  const cursorName = options.cursor ?? defaultSweepCursor;
  const report: SweepReport = { alreadySwept: false, entriesRead: 0, casesWarned: 0, warningsPushed: 0, warningsSuperseded: 0, dropped: 0, lostCursorRace: false };
  const nowMinute = minuteOf(Math.floor(now.getTime() / minuteMs) * minuteMs);
  const read = await deps.getCursor(cursorName);
  if (read !== undefined && read >= nowMinute) return { ...report, alreadySwept: true };
  const firstMs = read !== undefined ? msOf(read) + minuteMs : msOf(nowMinute) - (options.firstLookbackMinutes ?? 24 * 60) * minuteMs;
  const deadline = options.deadline?.getTime() ?? Number.POSITIVE_INFINITY;
  report.from = minuteOf(firstMs);
  let cursor = read;
  let fromMs = firstMs - (read !== undefined ? overlapMinutes * minuteMs : 0);
  const endMs = msOf(nowMinute);
  // Read once per shop per run: a minute often holds many cases of one shop.
  const settingsOf: CaseDependencies['getSettings'] = oncePerShop((tenantId, shopId) => deps.getSettings(tenantId, shopId));
  const supervisorsOf = oncePerShop((tenantId, shopId) => deps.shopSupervisors(tenantId, shopId, now));
  while (fromMs <= endMs) {
    // One hour partition at a time: the cursor advances after each, so a run cut short keeps its progress.
    const hourEndMs = Math.min(endMs, Math.floor(fromMs / 3_600_000) * 3_600_000 + 59 * minuteMs);
    const hour = minuteOf(fromMs).slice(0, 13);
    const completed = await Promise.all(
      Array.from({ length: caseDueShards }, (_, shard) => sweepShard(hour, shard, minuteOf(fromMs), minuteOf(hourEndMs))),
    );
    if (!completed.every(Boolean)) break;
    const to = minuteOf(hourEndMs);
    if (cursor === undefined || to > cursor) {
      if (!(await deps.advanceCursor(cursorName, cursor, to))) {
        report.lostCursorRace = true;
        break;
      }
      cursor = to;
    }
    report.to = to;
    fromMs = hourEndMs + minuteMs;
  }
  return report;

  async function sweepShard(hour: string, shard: number, from: string, to: string): Promise<boolean> {
    let after: CaseDueEntry['key'] | undefined;
    for (;;) {
      if (Date.now() >= deadline) return false;
      const page = await deps.listDue(hour, shard, from, to, pageSize, after);
      report.entriesRead += page.entries.length;
      for (const entry of page.entries) {
        if (Date.now() >= deadline) return false;
        await settle(entry);
      }
      if (!page.more || page.entries.length === 0) return true;
      after = page.entries.at(-1)?.key;
    }
  }

  async function settle(entry: CaseDueEntry): Promise<void> {
    try {
      const stored = await deps.getStoredCase(entry.tenantId, entry.caseId);
      if (!stored || stored.dueMinute !== entry.dueMinute) {
        // The case moved on (ended, re-filed) in a write that also moved its entry; this one is left over.
        await deps.dropEntry(entry);
        report.dropped++;
        return;
      }
      const settings = await settingsOf(entry.tenantId, stored.case.shopId);
      const policy = casePolicyOf(settings);
      let due: DueWarning[] = [];
      const result = await changeCase(
        {
          tenantId: entry.tenantId,
          caseId: entry.caseId,
          now,
          initial: stored,
          silent: true,
          change: (existing) => {
            due = [];
            if (!existing) return undefined;
            due = warningsDue(existing, policy.warning, now);
            return due.length === 0 ? existing : { ...existing, warningsSent: [...existing.warningsSent, ...due.map((warning) => warning.key)] };
          },
        },
        { ...deps, getSettings: settingsOf },
      );
      if (result.outcome !== 'updated' || !result.case || due.length === 0) return;
      report.casesWarned++;
      const pushed = due.filter((warning) => !warning.superseded);
      report.warningsSuperseded += due.length - pushed.length;
      const supervisors = await supervisorsOf(entry.tenantId, result.case.shopId).catch((error: unknown) => {
        logger.warn('shop supervisors unreadable; warning the owner and the listed ids only', { shopId: result.case!.shopId, error: error as Error });
        return [] as string[];
      });
      const recipients = [...new Set([...(result.case.ownerId ? [result.case.ownerId] : []), ...supervisors, ...settings.supervisorIds])];
      for (const warning of pushed) {
        report.warningsPushed++;
        if (recipients.length > 0) await deps.notify(entry.tenantId, recipients, warningFrame(result.case, warning));
      }
    } catch (error) {
      // One case's trouble must not stop the minute: its entry stays and the next run meets it again (overlap).
      logger.warn('deadline sweep could not settle a case', { caseId: entry.caseId, error: error as Error });
    }
  }
}

/** `load` memoised per tenant and shop (the promise, so concurrent callers share one read). */
function oncePerShop<T>(load: (tenantId: string, shopId: string) => Promise<T>): (tenantId: string, shopId: string) => Promise<T> {
  const byShop = new Map<string, Promise<T>>();
  return (tenantId, shopId) => {
    const key = `${tenantId}#${shopId}`;
    let value = byShop.get(key);
    if (!value) byShop.set(key, (value = load(tenantId, shopId)));
    return value;
  };
}

function warningFrame(current: AfterSalesCase, warning: DueWarning) {
  return {
    type: 'case.warning' as const,
    caseId: current.caseId,
    shopId: current.shopId,
    kind: warning.kind,
    point: warning.point,
    at: warning.at,
    slaDueAt: current.deadline!.slaDueAt,
    dueAt: current.deadline!.dueAt,
    ...(current.ownerId ? { ownerId: current.ownerId } : {}),
    case: caseHeadOf(current),
  };
}
