import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { keys } from '../../shared/store/keys';
import { purgeMarker, recordSweepProgress } from '../../shared/store/tenant-purge';
import { purgeDuePut } from '../../shared/store/tenants';
import { storedItem } from '../support/table';

/**
 * The sweep's progress write on DynamoDB Local: it moves a segment only from the page count the run read,
 * only on the segmentation stored with the first write, and never brings back a marker another run
 * deleted (rows 3, 25: runs resumed, two runs at once).
 */
// Far in the future: no other file's run of the purge ever finds this marker due.
const purgeAfter = '2999-01-01T00:00:00.000Z';

async function storedMarker() {
  const tenantId = `progress-${randomUUID().slice(0, 8)}`;
  // The marker as a confirmed deletion writes it.
  const put = purgeDuePut(purgeAfter, tenantId).Put!;
  await dynamo().send(new PutCommand({ TableName: put.TableName, Item: put.Item }));
  return keys.tenantPurgeDue(purgeAfter, tenantId);
}

describe('recordSweepProgress (DynamoDB Local)', () => {
  it('moves a segment only from the page count read: a stale count returns false and changes nothing', async () => {
    const key = await storedMarker();
    expect(await recordSweepProgress(key, 3, 0, { pages: 1, done: false, next: { pk: 'a', sk: 'b' } }, 8)).toBe(true);
    // A second run that read the segment not started, and one that read page 0 again: both lose.
    expect(await recordSweepProgress(key, 3, 0, { pages: 1, done: false, next: { pk: 'x', sk: 'y' } }, 8)).toBe(false);
    expect(await recordSweepProgress(key, 3, 1, { pages: 2, done: true }, 8)).toBe(true);
    expect(await recordSweepProgress(key, 3, 1, { pages: 2, done: false, next: { pk: 'old', sk: 'old' } }, 8)).toBe(false);
    const marker = await purgeMarker(key);
    expect(marker?.sweep).toEqual({ 3: { pages: 2, done: true } });
    expect(marker?.sweepSegments).toBe(8);
  });

  it('refuses a run of another segment count once the first write stored one', async () => {
    const key = await storedMarker();
    expect(await recordSweepProgress(key, 0, 0, { pages: 1, done: false, next: { pk: 'a', sk: 'b' } }, 8)).toBe(true);
    expect(await recordSweepProgress(key, 5, 0, { pages: 1, done: true }, 16)).toBe(false);
    expect(await recordSweepProgress(key, 0, 1, { pages: 2, done: true }, 16)).toBe(false);
    expect((await purgeMarker(key))?.sweep).toEqual({ 0: { pages: 1, done: false, next: { pk: 'a', sk: 'b' } } });
  });

  it('returns false for an absent marker and does not recreate it', async () => {
    const key = await storedMarker();
    expect(await recordSweepProgress(key, 1, 0, { pages: 1, done: false, next: { pk: 'a', sk: 'b' } }, 8)).toBe(true);
    await dynamo().send(new DeleteCommand({ TableName: env().TABLE_NAME, Key: key }));
    expect(await recordSweepProgress(key, 1, 1, { pages: 2, done: true }, 8)).toBe(false);
    expect(await recordSweepProgress(key, 2, 0, { pages: 1, done: true }, 8)).toBe(false);
    expect(await storedItem(key)).toBeUndefined();
  });
});
