import type { Identity } from '../auth/identity';
import type { ConnectionRecord } from '../store/connections';

/** Live sockets one user may hold: an agent's tabs and devices, with room to spare. */
export const maxSocketsPerUser = 20;

/**
 * Whether a connection is one of the user's `cap` oldest live connections (by connectedAt, then id).
 * Every $connect of the user saves its record first, then reads them all and applies this rule, so
 * concurrent connects agree on who is in: the oldest win, and a connect past the cap leaves at once.
 */
export function withinSocketCap(live: readonly ConnectionRecord[], connectionId: string, cap = maxSocketsPerUser): boolean {
  const ordered = [...live].sort((a, b) =>
    a.connectedAt === b.connectedAt ? a.connectionId.localeCompare(b.connectionId) : a.connectedAt.localeCompare(b.connectedAt),
  );
  const rank = ordered.findIndex((record) => record.connectionId === connectionId);
  // Not seen (its own record already expired or deleted): refuse rather than admit unrecorded.
  return rank !== -1 && rank < cap;
}

export interface ConnectionStore {
  save(identity: Identity, connectionId: string, now: Date): Promise<void>;
  listLive(tenantId: string, userId: string, now: Date): Promise<ConnectionRecord[]>;
  remove(tenantId: string, userId: string, connectionId: string): Promise<void>;
}

/**
 * Records a new connection if the user has room: save, read the user's live connections, and undo the
 * save when this one is past the cap. Returns whether the connection was admitted.
 */
export async function admitConnection(identity: Identity, connectionId: string, store: ConnectionStore, now = new Date(), cap = maxSocketsPerUser): Promise<boolean> {
  await store.save(identity, connectionId, now);
  const live = await store.listLive(identity.tenantId, identity.userId, now);
  if (withinSocketCap(live, connectionId, cap)) return true;
  await store.remove(identity.tenantId, identity.userId, connectionId);
  return false;
}
