import { logger } from '../runtime/observability';
import { assignWaitingCases } from './change-case';

/**
 * An agent came online: unowned cases of their shops' after-sale groups wait for exactly this. Best
 * effort: the presence change is stored and acknowledged whatever happens here, and a case left unowned
 * is still offered at the next capacity change or by a supervisor.
 */
export async function assignWaitingCasesOnline(tenantId: string, agentId: string, now = new Date()): Promise<number> {
  try {
    return await assignWaitingCases(tenantId, agentId, now);
  } catch (error) {
    logger.warn('waiting cases not assigned on presence', { error: error as Error });
    return 0;
  }
}
