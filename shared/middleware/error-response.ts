import { AppError, ServiceUnavailableError } from '../http/errors';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../runtime/observability';

/** SDK errors that mean "a dependency is busy": the caller may retry, it is not their mistake. */
const retryableNames = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TimeoutError',
  'ServiceUnavailable',
  'InternalServerError',
]);

export interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; message: string }[]; requestId?: string };
}

/**
 * The single place an exception becomes something a client sees. AppErrors keep their status, code and
 * field details; throttling becomes a 503 the client may retry; anything else is a 500 with no detail
 * beyond a request id to quote to support.
 */
export function toErrorResponse(error: unknown, requestId?: string): { status: number; body: ErrorBody } {
  let appError: AppError | undefined;
  if (error instanceof AppError) appError = error;
  else if (error instanceof Error && retryableNames.has(error.name)) appError = new ServiceUnavailableError();

  if (appError) {
    // Client mistakes and busy dependencies are counted, so an alarm can tell a bad client release from an outage.
    metrics.addMetric(appError.status >= 500 ? 'DependencyBusy' : 'ClientErrors', MetricUnit.Count, 1);
    if (appError.status >= 500) logger.warn('dependency unavailable', { error: error as Error });
    const body: ErrorBody = { error: { code: appError.code, message: appError.message, requestId } };
    if (appError.details.length > 0) body.error.details = appError.details;
    return { status: appError.status, body };
  }
  metrics.addMetric('UnhandledErrors', MetricUnit.Count, 1);
  logger.error('unhandled error', { error: error as Error });
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error', requestId } } };
}
