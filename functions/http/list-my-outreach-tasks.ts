import { httpRoute } from '../../shared/middleware/http-route';
import { myOutreachTasksQuery } from '../../shared/outreach/outreach-frames';
import { listMyOutreachTasks } from '../../shared/outreach/outreach-service';

/** GET /v1/me/outreach-tasks: the caller's delivery callbacks, soonest due first, with their order cards. */
export const handler = httpRoute({ auth: ['agent', 'supervisor', 'admin'], query: myOutreachTasksQuery }, async ({ identity, query }) => ({
  body: await listMyOutreachTasks(identity, query),
}));
