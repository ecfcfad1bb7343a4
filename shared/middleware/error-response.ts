import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
import { AppError, ServiceUnavailableError } from '../http/errors';
import { logger, metrics } from '../runtime/observability';

/** How long a client should wait: throttling clears within a second, an engine that is down takes longer. */
export const retryAfterSeconds = { throttled: 1, unavailable: 5 } as const;

type SdkError = Parameters<typeof isTransientError>[0];

/** Transaction cancellation reasons that say "busy", not "your condition failed". */
const busyCancellationCodes = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'TransactionConflict']);

/**
 * A dependency's failure as the client should see it: a ServiceUnavailableError when the AWS SDK's own
 * classifier (the one its retry strategy uses) calls the error throttling, transient (ECONNREFUSED,
 * ECONNRESET, ETIMEDOUT, EPIPE, a timeout, 500/502/503/504) or a server error, or when a transaction was
 * cancelled only because it was throttled or collided. Undefined for anything else (a bug: a 500).
 *
 * @example
 * dependencyFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }))?.retryAfterSeconds; // 5
 */
export function dependencyFailure(error: unknown): ServiceUnavailableError | undefined {
  if (!(error instanceof Error)) return undefined;
  const sdkError = error as SdkError;
  if (isThrottlingError(sdkError) || cancelledAsBusy(error)) {
    return new ServiceUnavailableError(undefined, { retryAfterSeconds: retryAfterSeconds.throttled, cause: error });
  }
  if (isTransientError(sdkError) || isServerError(sdkError)) {
    return new ServiceUnavailableError('a dependency is unavailable, retry shortly', { retryAfterSeconds: retryAfterSeconds.unavailable, cause: error });
  }
  return undefined;
}

function cancelledAsBusy(error: Error): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None').filter((code) => code !== 'None');
  return codes.length > 0 && codes.every((code) => busyCancellationCodes.has(code));
}

export interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; message: string }[]; requestId?: string };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** `retry-after` on a 503. */
  headers: Record<string, string>;
  /** Set when the client may retry the same request after this many seconds. */
  retryAfterSeconds?: number;
}

/**
 * The single place an exception becomes something a client sees. AppErrors keep their status, code and
 * field details; a busy or unreachable dependency becomes a 503 with Retry-After; anything else is a 500
 * with no detail beyond a request id to quote to support.
 */
export function toErrorResponse(error: unknown, requestId?: string): ErrorResponse {
  const appError = error instanceof AppError ? error : dependencyFailure(error);

  if (appError) {
    // Client mistakes and busy dependencies are counted, so an alarm can tell a bad client release from an outage.
    metrics.addMetric(appError.status >= 500 ? 'DependencyBusy' : 'ClientErrors', MetricUnit.Count, 1);
    if (appError.status >= 500) logger.warn('dependency unavailable', { error: error as Error });
    const body: ErrorBody = { error: { code: appError.code, message: appError.message, requestId } };
    if (appError.details.length > 0) body.error.details = appError.details;
    if (appError instanceof ServiceUnavailableError) {
      return { status: appError.status, body, headers: { 'retry-after': String(appError.retryAfterSeconds) }, retryAfterSeconds: appError.retryAfterSeconds };
    }
    return { status: appError.status, body, headers: {} };
  }
  metrics.addMetric('UnhandledErrors', MetricUnit.Count, 1);
  logger.error('unhandled error', { error: error as Error });
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error', requestId } }, headers: {} };
}
