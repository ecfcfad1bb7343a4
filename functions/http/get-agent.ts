import { httpRoute } from '../../shared/middleware/http-route';
import { agentPathParams } from '../../shared/routing/frames';
import { readAgent } from '../../shared/routing/manage-agents';

/** GET /v1/agents/{agentId}: profile, presence, load and cap of an agent the caller may see. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: agentPathParams }, async ({ identity, params }) => ({
  body: await readAgent(identity, params.agentId),
}));
