import { memberRingPosition } from '../../shared/store/keys';

/**
 * Reference model of the router's sample of a group (store/agents.ts, listOnlineAgentIdsOfGroup): the
 * online members in ring order (gsi1's sort key order: ring position, then agent id), from the first at
 * or after `from` (0 ≤ from < 1, how far round the ring) round to the start, the first `limit` of them.
 * The integration tests check the store against it; the policy's properties use it for the sample.
 */
export function windowModel(onlineIds: readonly string[], from: number, limit: number): string[] {
  const sortKey = (id: string) => `${memberRingPosition(id)}#AGENT#${id}`;
  const start = Math.floor(from * 2 ** 32).toString(16).padStart(8, '0');
  const ring = [...onlineIds].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
  return [...ring.filter((id) => memberRingPosition(id) >= start), ...ring.filter((id) => memberRingPosition(id) < start)].slice(0, limit);
}
