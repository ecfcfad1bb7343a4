import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpRoute } from '../../shared/middleware/http-route';
import { ValidationError } from '../../shared/http/errors';
import { metrics } from '../../shared/runtime/observability';
import { httpEvent, lambdaContext } from '../support/events';

describe('metrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('counts a client error and flushes it once at the end of the invocation', async () => {
    const added = vi.spyOn(metrics, 'addMetric');
    const published = vi.spyOn(metrics, 'publishStoredMetrics');
    const failing = httpRoute({ auth: 'public' }, async () => {
      throw new ValidationError('bad', [{ field: 'body.x', message: 'bad' }]);
    });
    await failing(httpEvent({ method: 'GET', path: '/x' }), lambdaContext);
    expect(added).toHaveBeenCalledWith('ClientErrors', 'Count', 1);
    expect(published).toHaveBeenCalledTimes(1);
  });

  it('publishes nothing (and warns about nothing) when an invocation recorded no metric', async () => {
    const published = vi.spyOn(metrics, 'publishStoredMetrics');
    const ok = httpRoute({ auth: 'public' }, async () => ({ body: { ok: true } }));
    await ok(httpEvent({ method: 'GET', path: '/x' }), lambdaContext);
    expect(published).not.toHaveBeenCalled();
  });
});
