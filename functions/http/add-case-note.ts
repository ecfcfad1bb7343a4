import { httpRoute } from '../../shared/middleware/http-route';
import { casePathParams, noteBody } from '../../shared/after-sales/case-frames';
import { addNoteByUser } from '../../shared/after-sales/case-service';

/** POST /v1/cases/{caseId}/notes: a note on the case's timeline. */
export const handler = httpRoute(
  { auth: ['agent', 'supervisor', 'admin'], params: casePathParams, body: noteBody },
  async ({ identity, params, body }) => ({ status: 201, body: await addNoteByUser(identity, params.caseId, body.text, new Date()) }),
);
