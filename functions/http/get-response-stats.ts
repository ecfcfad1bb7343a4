import { httpRoute } from '../../shared/middleware/http-route';
import { responseStatsQuerySchema } from '../../shared/conversations/frames';
import { responseStatsOf } from '../../shared/conversations/response-stats';
import { agentPathParams } from '../../shared/routing/frames';

/** GET /v1/agents/{agentId}/response-stats?day=YYYY-MM-DD: first and average response, reply/question ratio. */
export const handler = httpRoute(
  { auth: ['agent', 'supervisor', 'admin'], params: agentPathParams, query: responseStatsQuerySchema },
  async ({ identity, params, query }) => ({ body: await responseStatsOf(identity, params.agentId, query.day) }),
);
