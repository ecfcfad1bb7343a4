import { sendOutreachJobs } from '../notify/job-queues';
import { logger } from '../runtime/observability';
import { advanceSweepCursor, getSweepCursor } from '../store/cases';
import { deleteDueEntries, listDueEntries, outreachDueShards, type DueEntry } from '../store/outreach';
import type { FireJob } from './jobs';

/**
 * The outreach sweep (every minute; docs/outreach-design.md §5): drains the due-time buckets from the
 * minute after its cursor up to the scheduled minute into the `outreach` queue. Each minute is 64 shard
 * partitions read in parallel, page by page; each page goes to SQS in batches of 10 and only the entries
 * SQS took are deleted, so an entry is either still in its bucket or on the queue. The cursor moves
 * after a whole minute is drained, conditioned on the value read (the case sweep's cursor store).
 *
 * Swept twice (Scheduler fires at least once) or by two runs at once: both may queue the same entry
 * before either deletes it; the consumer's claim (conditioned on the task's status and minute) lets only
 * one copy send. Down for 10 minutes: the next run walks the 10 minutes from its cursor, nothing is lost
 * (the entries wait in their buckets, TTL 7 days). Re-reads the `overlapMinutes` before the cursor for
 * entries a writer with a lagging clock filed into a minute already swept.
 */
export const sweepOutreachDependencies = {
  getCursor: (name: string) => getSweepCursor(name),
  advanceCursor: (name: string, from: string | undefined, to: string) => advanceSweepCursor(name, from, to),
  listDue: (minute: string, shard: number, limit: number, after?: DueEntry['key']) => listDueEntries(minute, shard, limit, after),
  enqueue: (jobs: FireJob[]) => sendOutreachJobs(jobs),
  dropEntries: (entries: DueEntry[]) => deleteDueEntries(entries),
};
export type SweepOutreachDependencies = typeof sweepOutreachDependencies;

export const defaultOutreachCursor = 'OUTREACH';
const overlapMinutes = 2;
const pageSize = 500;
const minuteMs = 60_000;
const minuteOf = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const msOf = (minute: string) => Date.parse(`${minute}:00.000Z`);

export interface OutreachSweepReport {
  alreadySwept: boolean;
  from?: string;
  to?: string;
  minutes: number;
  entriesRead: number;
  queued: number;
  enqueueFailures: number;
  lostCursorRace: boolean;
}

export async function sweepOutreach(
  now: Date,
  deps: SweepOutreachDependencies = sweepOutreachDependencies,
  options: { cursor?: string; deadline?: Date; firstLookbackMinutes?: number } = {},
): Promise<OutreachSweepReport> {
  const cursorName = options.cursor ?? defaultOutreachCursor;
  const report: OutreachSweepReport = { alreadySwept: false, minutes: 0, entriesRead: 0, queued: 0, enqueueFailures: 0, lostCursorRace: false };
  const nowMinute = minuteOf(Math.floor(now.getTime() / minuteMs) * minuteMs);
  const read = await deps.getCursor(cursorName);
  if (read !== undefined && read >= nowMinute) return { ...report, alreadySwept: true };
  const firstMs = read !== undefined ? msOf(read) + minuteMs : msOf(nowMinute) - (options.firstLookbackMinutes ?? 60) * minuteMs;
  const deadline = options.deadline?.getTime() ?? Number.POSITIVE_INFINITY;
  report.from = minuteOf(firstMs);
  let cursor = read;
  // The overlap minutes first (entries filed late), then each new minute; the cursor moves after each new one.
  for (let ms = firstMs - (read !== undefined ? overlapMinutes * minuteMs : 0); ms <= msOf(nowMinute); ms += minuteMs) {
    const minute = minuteOf(ms);
    const drained = await Promise.all(Array.from({ length: outreachDueShards }, (_, shard) => drainShard(minute, shard)));
    if (!drained.every(Boolean)) break;
    report.minutes++;
    if (cursor === undefined || minute > cursor) {
      if (!(await deps.advanceCursor(cursorName, cursor, minute))) {
        report.lostCursorRace = true;
        break;
      }
      cursor = minute;
      report.to = minute;
    }
  }
  return report;

  async function drainShard(minute: string, shard: number): Promise<boolean> {
    let after: DueEntry['key'] | undefined;
    let complete = true;
    for (;;) {
      if (Date.now() >= deadline) return false;
      const page = await deps.listDue(minute, shard, pageSize, after);
      report.entriesRead += page.entries.length;
      if (page.entries.length > 0) {
        const jobs: FireJob[] = page.entries.map((entry) => ({ type: 'fire', tenantId: entry.tenantId, taskId: entry.taskId, dueMinute: entry.dueMinute, phase: entry.phase }));
        const { failed } = await deps.enqueue(jobs);
        const failedKeys = new Set(failed.map((job) => (job.type === 'fire' ? `${job.tenantId}#${job.taskId}#${job.phase}` : '')));
        const queued = page.entries.filter((entry) => !failedKeys.has(`${entry.tenantId}#${entry.taskId}#${entry.phase}`));
        report.queued += queued.length;
        report.enqueueFailures += failed.length;
        // Entries SQS did not take stay in the bucket: the minute is not finished and the cursor stays.
        if (failed.length > 0) complete = false;
        await deps.dropEntries(queued);
      }
      if (!page.after) break;
      after = page.after;
    }
    if (!complete) logger.warn('outreach sweep could not queue every entry of a minute; the next run retries it', { minute, shard });
    return complete;
  }
}
