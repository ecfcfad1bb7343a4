import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../../shared/manifest';
import { localRegion } from './engines';

/** Lambda's defaults when the manifest gives none; the same values infra/constructs/kefu-function.ts uses. */
export const defaultTimeoutSeconds = 30;
export const defaultMemoryMb = 512;
const localAccountId = '000000000000';

/**
 * The context object Lambda passes as the second argument. Powertools' logger reads the function name,
 * request id and memory from it, and handlers may ask for the time left before their timeout.
 */
export function createLambdaContext(spec: Pick<FunctionSpec, 'name' | 'timeoutSeconds' | 'memoryMb'>, requestId: string = randomUUID()): Context {
  const functionName = `kefu-local-${spec.name}`;
  const deadline = Date.now() + (spec.timeoutSeconds ?? defaultTimeoutSeconds) * 1000;
  const unsupported = () => {
    throw new Error('callback-style handlers are not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${localRegion}:${localAccountId}:function:${functionName}:live`,
    memoryLimitInMB: String(spec.memoryMb ?? defaultMemoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
