import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { defaultDeadlineTable, deadlineRuleSchema, type DeadlinePolicy } from './deadlines';
import { defaultWarningPolicy, type WarningPolicy } from './warnings-due';

/**
 * A shop's after-sales settings (issue 7 §3): its own deadline rules (any that matches beats kefu's
 * table), the safety margin between kefu's SLA and the platform's deadline, the warning points, how many
 * unfinished cases an agent may own (a cap of its own: cases are slow work, chats are fast), and the
 * supervisors who get the live warnings. kefu keeps no directory of a shop's supervisors (tokens carry
 * their shops), so the shop names them here.
 */
export const defaultSafetyMarginMinutes = 60;
export const defaultAgentCaseCap = 50;

export const caseSettingsBody = z.strictObject({
  safetyMarginMinutes: z.number().int().min(0).max(7 * 24 * 60).default(defaultSafetyMarginMinutes),
  /** Fractions of the SLA window: 0.5 = half the time used, 1 = the SLA is due (overdue). */
  warningPoints: z
    .array(z.number().gt(0).max(1))
    .min(1)
    .max(10)
    .refine((points) => new Set(points).size === points.length, 'must not repeat a point')
    .default([...defaultWarningPolicy.points]),
  deadlineRules: z
    .array(deadlineRuleSchema)
    .max(100)
    .refine((rules) => new Set(rules.map((rule) => rule.id)).size === rules.length, 'must not repeat a rule id')
    .default([]),
  agentCaseCap: z.number().int().min(1).max(1000).default(defaultAgentCaseCap),
  /** People warned besides the owner and the shop's connected supervisors (who are always warned). */
  supervisorIds: z
    .array(idSchema)
    .max(20)
    .refine((ids) => new Set(ids).size === ids.length, 'must not repeat an id')
    .default([]),
});
export type CaseSettingsBody = z.infer<typeof caseSettingsBody>;

export const caseSettingsSchema = z.object({
  shopId: idSchema,
  safetyMarginMinutes: z.number().int(),
  warningPoints: z.array(z.number()),
  deadlineRules: z.array(deadlineRuleSchema),
  agentCaseCap: z.number().int(),
  supervisorIds: z.array(idSchema),
  /** The rule table the shop's rules override (kefu's, versioned). */
  tableVersion: z.string(),
  /** Absent until a supervisor saves settings: the defaults apply. */
  updatedAt: z.string().optional(),
});
export type CaseSettings = z.infer<typeof caseSettingsSchema>;

export function defaultCaseSettings(shopId: string): CaseSettings {
  return { shopId, ...caseSettingsBody.parse({}), tableVersion: defaultDeadlineTable.version };
}

export interface CasePolicy {
  deadline: DeadlinePolicy;
  warning: WarningPolicy;
}

export function casePolicyOf(settings: CaseSettings): CasePolicy {
  return {
    deadline: { table: defaultDeadlineTable, shopRules: settings.deadlineRules, safetyMarginMinutes: settings.safetyMarginMinutes },
    warning: { points: settings.warningPoints },
  };
}
