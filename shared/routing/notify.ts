import { notifyUserOfFrame } from '../notify/notify-user';
import type { RoutingFrame } from './frames';

/** Sends a routing frame to one user; tests pass a recorder. */
export type NotifyUser = (tenantId: string, userId: string, frame: RoutingFrame) => Promise<void>;

/** Every live connection of the user, best effort (shared/notify/notify-user.ts). */
export const notifyUser: NotifyUser = notifyUserOfFrame;
