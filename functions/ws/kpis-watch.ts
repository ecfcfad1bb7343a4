import { kpisWatchFrame, type KpisWatchAckFrame } from '../../shared/kpi/frames';
import { watchShopKpis } from '../../shared/kpi/watch-kpis';
import { wsRoute } from '../../shared/middleware/ws-route';

/** A supervisor's dashboard subscribes to a shop's live KPIs (`kpi.updated` frames). */
export const handler = wsRoute({ frame: kpisWatchFrame, roles: ['supervisor', 'admin'] }, async ({ frame, identity }): Promise<KpisWatchAckFrame> => ({
  type: 'ack',
  action: 'kpis.watch',
  ...(await watchShopKpis(identity, frame.shopId)),
}));
