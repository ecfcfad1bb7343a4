import { z } from 'zod';
import { idSchema } from '../auth/identity';

export const presences = ['online', 'away', 'offline'] as const;
export type Presence = (typeof presences)[number];

/**
 * An agent as stored and returned. `load` counts the conversations assigned to them and is only changed
 * inside the transactions that assign, transfer or close, so it never drifts; `presence` only by the
 * agent themselves.
 */
export const agentSchema = z.object({
  agentId: idSchema,
  name: z.string(),
  shopIds: z.array(idSchema),
  groupIds: z.array(idSchema),
  presence: z.enum(presences),
  load: z.number().int(),
  cap: z.number().int(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Agent = z.infer<typeof agentSchema>;

/** What the routing policy needs to know about an agent. */
export type AgentCandidate = Pick<Agent, 'agentId' | 'presence' | 'load' | 'cap' | 'groupIds' | 'shopIds'>;
