import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export interface AlarmSpec {
  metric: cloudwatch.IMetric;
  /** The alarm fires when the metric is above this. */
  threshold: number;
  description: string;
}

/**
 * One alarm that pages through the alarm topic. Every kefu alarm has the same shape: "above a threshold
 * for one period", missing data is healthy (an idle queue or function reports nothing), and it notifies
 * on recovery too so whoever was paged knows it is over.
 */
export function alarmToTopic(scope: Construct, id: string, topic: sns.ITopic, spec: AlarmSpec): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric: spec.metric,
    threshold: spec.threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: spec.description,
  });
  const action = new SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

/** The period every kefu alarm evaluates over: short, because a stuck chat is noticed by buyers in minutes. */
export const ALARM_PERIOD = Duration.minutes(1);
