import { describe, expect, it } from 'vitest';
import { keys, type Key } from '../../shared/store/keys';
import type { PurgeMarker, SweepSegmentProgress } from '../../shared/store/tenant-purge';
import { mayTakePage, progressAfterPage, purgeDependencies, segmentNotStarted, sweepSegments, sweepTenant } from '../../shared/tenants/purge-tenants';

describe('what the tenant sweep deletes (keys.tenantSweepMatches)', () => {
  it("takes everything under `T#<tenant>#` and the tenant's own partition, never the tombstone, never a tenant whose id extends it (row 14)", () => {
    expect(keys.tenantKeyPrefix('acme')).toBe('T#acme#');
    expect(keys.tenantSweepMatches('acme', keys.order('acme', 's1', 'taobao', 'o1'))).toBe(true);
    expect(keys.tenantSweepMatches('acme', keys.shop('acme', 's1'))).toBe(true);
    expect(keys.tenantSweepMatches('acme', keys.tenant('acme'))).toBe(false);
    expect(keys.tenantSweepMatches('acme', keys.order('acme2', 's1', 'taobao', 'o1'))).toBe(false);
    expect(keys.tenantSweepMatches('acme', keys.shop('acme2', 's1'))).toBe(false);
    expect(keys.tenantSweepMatches('acme', keys.tenant('acme2'))).toBe(false);
  });

  it("takes the tenant's entries in the cross-tenant partitions by the tenant's place in the sort key, not by `contains`", () => {
    const minute = '2026-12-02T10:00';
    const entriesOf = (tenantId: string, id: string): Key[] => [
      keys.idleCheck(3, '2026-12-02T10:00:00.000Z', tenantId, id),
      keys.caseDue(minute, 5, tenantId, id),
      keys.outreachDue(minute, 7, 'fire', tenantId, id),
      keys.militiaExpiryDue('2026-12-02T10:00:00.000Z', tenantId, id),
      keys.capacityAsk(tenantId, id, 'peak'),
    ];
    for (const entry of entriesOf('acme', 'x1')) expect(keys.tenantSweepMatches('acme', entry), entry.sk).toBe(true);
    for (const entry of entriesOf('acme2', 'x1')) expect(keys.tenantSweepMatches('acme', entry), entry.sk).toBe(false);
    // Another tenant's entry whose own id holds `#T#acme#` (the Scan filter's `contains` lets it through).
    for (const entry of entriesOf('other', 'y#T#acme#z')) expect(keys.tenantSweepMatches('acme', entry), entry.sk).toBe(false);
    // The purge marker is deleted by the purge itself, last: never by the sweep.
    expect(keys.tenantSweepMatches('acme', keys.tenantPurgeDue('2027-03-01T00:00:00.000Z', 'acme'))).toBe(false);
    // Partitions of no tenant.
    expect(keys.tenantSweepMatches('acme', keys.capacityActual())).toBe(false);
    expect(keys.tenantSweepMatches('acme', keys.caseSweepCursor('T#acme#'))).toBe(false);
  });

  it('takes webhook endpoints and connect tickets by their tenant attribute, exactly', () => {
    const endpoint = keys.webhookEndpoint('e1');
    expect(keys.tenantSweepMatches('acme', { ...endpoint, tenantId: 'acme' })).toBe(true);
    expect(keys.tenantSweepMatches('acme', { ...endpoint, tenantId: 'acme2' })).toBe(false);
    const ticket = keys.connectTicket('t1');
    expect(keys.tenantSweepMatches('acme', { ...ticket, identity: { tenantId: 'acme' } })).toBe(true);
    expect(keys.tenantSweepMatches('acme', { ...ticket, identity: { tenantId: 'acme2' } })).toBe(false);
  });

  it('covers every key builder that names a tenant: a new family outside the tenant prefix must be added to the sweep', () => {
    // Each builder is called with sentinel strings; an argument that comes back as `T#<arg>` is its tenant.
    const args = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
    const namingATenant: string[] = [];
    for (const [name, build] of Object.entries(keys)) {
      if (typeof build !== 'function') continue;
      let key: unknown;
      try {
        key = (build as (...a: string[]) => unknown)(...args);
      } catch {
        continue;
      }
      if (typeof key !== 'object' || key === null || typeof (key as Key).pk !== 'string' || typeof (key as Key).sk !== 'string') continue;
      const { pk, sk } = key as Key;
      for (const tenantId of args) {
        const names = pk === `T#${tenantId}` || pk.startsWith(`T#${tenantId}#`) || sk.includes(`#T#${tenantId}#`) || sk.endsWith(`#T#${tenantId}`);
        if (!names) continue;
        namingATenant.push(name);
        // The tombstone stays; the purge marker goes last, by the purge itself.
        if (name === 'tenant' || name === 'tenantPurgeDue') expect(keys.tenantSweepMatches(tenantId, { pk, sk }), name).toBe(false);
        else expect(keys.tenantSweepMatches(tenantId, { pk, sk }), `${name}: ${pk} ${sk}`).toBe(true);
      }
    }
    // The check saw the builders it is about (a sanity check of the sentinel calls themselves).
    expect(namingATenant).toEqual(expect.arrayContaining(['order', 'afterSalesCase', 'idleCheck', 'caseDue', 'outreachDue', 'militiaExpiryDue', 'capacityAsk', 'tenant', 'tenantPurgeDue']));
  });
});

describe("the sweep's progress and time budget", () => {
  it('counts pages, keeps where the next starts, and is done when a page ends without a next key', () => {
    const first = progressAfterPage(segmentNotStarted, { pk: 'a', sk: 'b' });
    expect(first).toEqual({ pages: 1, done: false, next: { pk: 'a', sk: 'b' } });
    expect(progressAfterPage(first, undefined)).toEqual({ pages: 2, done: true });
  });

  it('takes no page once the budget is reached', () => {
    expect(mayTakePage(999, 1000)).toBe(true);
    expect(mayTakePage(1000, 1000)).toBe(false);
    expect(mayTakePage(0, Number.POSITIVE_INFINITY)).toBe(true);
  });

});

/** A table of `pagesPerSegment` pages in each segment, one key a page, and a marker the fakes keep. */
function fakeSweep(pagesPerSegment: number, stored: PurgeMarker | undefined) {
  const deleted: string[] = [];
  const scans: string[] = [];
  let marker = stored;
  const deps = {
    ...purgeDependencies,
    sweepPage: async (_tenantId: string, segment: number, total: number, options: { startKey?: Record<string, unknown> | undefined }) => {
      scans.push(`${segment}/${total}`);
      const page = options.startKey ? Number(options.startKey.page) : 0;
      return { keys: [{ pk: `T#t#S${segment}`, sk: `P${page}` }], next: page + 1 < pagesPerSegment ? { page: page + 1 } : undefined, scanned: 1 };
    },
    deleteKeys: async (itemKeys: readonly Key[]) => {
      deleted.push(...itemKeys.map((k) => `${k.pk} ${k.sk}`));
    },
    // The store's condition (tested on DynamoDB Local in tenant-purge-progress): marker there, same segmentation, same page count.
    recordSweepProgress: async (_key: Key, segment: number, expectedPages: number, progress: SweepSegmentProgress, total: number) => {
      if (!marker || (marker.sweepSegments ?? total) !== total || (marker.sweep[segment]?.pages ?? 0) !== expectedPages) return false;
      marker = { ...marker, sweepSegments: total, sweep: { ...marker.sweep, [segment]: progress } };
      return true;
    },
    purgeMarker: async () => marker,
  };
  return { deps, deleted, scans, marker: () => marker, setMarker: (next: PurgeMarker | undefined) => (marker = next) };
}
const markerOf = (sweep: Record<number, SweepSegmentProgress> = {}): PurgeMarker => ({ tenantId: 't', purgeAfter: '2027-01-01T00:00:00.000Z', key: { pk: 'TENANT-PURGE', sk: 'x#T#t' }, sweep });

describe('sweepTenant (fakes of the store)', () => {
  it('reads every segment from where it was left, recording each page after deleting it', async () => {
    const resumed = markerOf({ 0: { pages: 2, done: false, next: { page: 2 } }, 1: { pages: 3, done: true } });
    const fake = fakeSweep(3, resumed);
    const outcome = await sweepTenant(resumed, Number.POSITIVE_INFINITY, fake.deps);
    expect(outcome).toEqual({ finished: true, markerGone: false, itemsDeleted: 1 + 0 + 3 * (sweepSegments - 2) });
    expect(fake.deleted).toContain('T#t#S0 P2');
    expect(fake.deleted).not.toContain('T#t#S0 P0');
    expect(Object.values(fake.marker()!.sweep).filter((segment) => segment.done)).toHaveLength(sweepSegments);
  });

  it('stops taking pages at the budget, leaving the stored progress for the next run', async () => {
    const fake = fakeSweep(3, markerOf());
    const outcome = await sweepTenant(markerOf(), Date.now() - 1, fake.deps);
    expect(outcome).toEqual({ finished: false, markerGone: false, itemsDeleted: 0 });
    expect(fake.marker()!.sweep).toEqual({});
  });

  it("carries on from another run's place when it lost a segment to it, and stops when that run deleted the marker", async () => {
    const fake = fakeSweep(4, markerOf());
    // Another run has read segment 0 to page 3 meanwhile: this run's first record fails, it rereads and finishes from page 3.
    fake.setMarker(markerOf({ 0: { pages: 3, done: false, next: { page: 3 } } }));
    const outcome = await sweepTenant(markerOf(), Number.POSITIVE_INFINITY, fake.deps);
    expect(outcome.finished).toBe(true);
    expect(fake.marker()!.sweep[0]).toEqual({ pages: 4, done: true });

    const gone = fakeSweep(4, markerOf());
    gone.setMarker(undefined);
    expect(await sweepTenant(markerOf(), Number.POSITIVE_INFINITY, gone.deps)).toMatchObject({ finished: true, markerGone: true });
  });

  it('stores its segment count with the first progress write, and a sweep under way keeps the stored count after a deploy changed sweepSegments', async () => {
    const fresh = fakeSweep(1, markerOf());
    expect(await sweepTenant(markerOf(), Number.POSITIVE_INFINITY, fresh.deps)).toMatchObject({ finished: true });
    expect(fresh.marker()!.sweepSegments).toBe(sweepSegments);

    // Begun by a build of 3 segments, resumed by this one: segments 0-2 of a 3-way Scan, never this build's segmentation.
    const begun: PurgeMarker = { ...markerOf({ 0: { pages: 1, done: false, next: { page: 1 } }, 1: { pages: 2, done: true } }), sweepSegments: 3 };
    const resumed = fakeSweep(2, begun);
    const outcome = await sweepTenant(begun, Number.POSITIVE_INFINITY, resumed.deps);
    expect(outcome).toEqual({ finished: true, markerGone: false, itemsDeleted: 1 + 0 + 2 });
    expect([...new Set(resumed.scans)].sort()).toEqual(['0/3', '2/3']);
    expect(resumed.marker()!.sweep).toEqual({ 0: { pages: 2, done: true }, 1: { pages: 2, done: true }, 2: { pages: 2, done: true } });
  });

  it('stops, unfinished, when a run of another segmentation stored its count first (two builds at once)', async () => {
    const fake = fakeSweep(3, markerOf());
    fake.setMarker({ ...markerOf(), sweepSegments: sweepSegments + 4 });
    const outcome = await sweepTenant(markerOf(), Number.POSITIVE_INFINITY, fake.deps);
    expect(outcome.finished).toBe(false);
    expect(fake.marker()!.sweep).toEqual({});
  });
});

describe('sweepTenant when a segment fails', () => {
  it('lets the other segments read to their end when one is throttled, and reports the sweep unfinished for the next run', async () => {
    const fake = fakeSweep(3, markerOf());
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const deps = { ...fake.deps, sweepPage: async (tenantId: string, segment: number, total: number, options: { startKey?: Record<string, unknown> | undefined }) => {
      if (segment === 2) throw throttled;
      return fake.deps.sweepPage(tenantId, segment, total, options);
    } };
    const outcome = await sweepTenant(markerOf(), Number.POSITIVE_INFINITY, deps);
    expect(outcome).toEqual({ finished: false, markerGone: false, itemsDeleted: 3 * (sweepSegments - 1) });
    const sweep = fake.marker()!.sweep;
    expect(sweep[2]).toBeUndefined();
    expect(Object.values(sweep).filter((segment) => segment.done)).toHaveLength(sweepSegments - 1);
  });

  it('raises the error when every segment failed', async () => {
    const fake = fakeSweep(3, markerOf());
    const deps = { ...fake.deps, sweepPage: async () => Promise.reject(new Error('table gone')) };
    await expect(sweepTenant(markerOf(), Number.POSITIVE_INFINITY, deps)).rejects.toThrow('table gone');
  });
});
