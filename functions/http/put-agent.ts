import { httpRoute } from '../../shared/middleware/http-route';
import { agentPathParams, putAgentBody } from '../../shared/routing/frames';
import { putAgent } from '../../shared/routing/manage-agents';

/** PUT /v1/agents/{agentId}: an agent's name, shops, routing groups and cap. */
export const handler = httpRoute(
  { auth: ['admin', 'supervisor'], params: agentPathParams, body: putAgentBody },
  async ({ identity, params, body }) => ({ body: await putAgent(identity, params.agentId, body) }),
);
