/**
 * The figures a KPI period yields, by the platforms' own definitions (docs/kpi-design.md).
 * The KPI aggregates (shared/kpi) compute them; scorecards (shared/scorecards) score on them.
 * Times in seconds, money in minor units (fen), rates as fractions 0..1. A figure with no
 * underlying facts is absent, never 0, so "no data" and "zero" stay apart.
 */
export const kpiNames = [
  'inquiries',
  'firstResponseSeconds',
  'averageResponseSeconds',
  'responseRate',
  'replyQuestionRatio',
  'conversionRate',
  'averageOrderValue',
  'salesAmount',
  'secondarySalesAmount',
  'caseResolutionSeconds',
  'caseOnTimeRate',
  'callbackCouponAcceptance',
  'reviewInvitationsSent',
  'onlineSeconds',
] as const;
export type KpiName = (typeof kpiNames)[number];
export type KpiFigures = Partial<Record<KpiName, number>>;

/** Whose figures: a whole shop, or one agent in it. */
export interface KpiScope {
  tenantId: string;
  shopId: string;
  agentId?: string;
}

/** Days inclusive, `YYYY-MM-DD` in the shop's time zone. */
export interface KpiPeriod {
  from: string;
  to: string;
}

export type ReadKpiFigures = (scope: KpiScope, period: KpiPeriod) => Promise<KpiFigures>;
