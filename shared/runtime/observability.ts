import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One logger and one metrics emitter per process, as Powertools recommends. */
export const logger = new Logger({ serviceName: 'kefu' });
export const metrics = new Metrics({ namespace: 'kefu', serviceName: 'kefu' });
