import * as sharedManifest from '../../shared/manifest';
import type {
  FunctionSpec,
  HttpRouteSpec,
  QueueConsumerSpec,
  QueueSpec,
  ScheduleSpec,
  WebSocketRouteSpec,
} from '../../shared/manifest';

/**
 * What the local stack reads from the manifest. shared/manifest.ts by default; tests pass a small
 * hand-made one (with a probe consumer or schedule) because the real manifest may not declare any yet.
 * Everything is read through this shape, so new manifest entries are served without code changes here.
 */
export interface LocalManifest {
  readonly queues: readonly QueueSpec[];
  readonly webSocketAuthorizer: FunctionSpec;
  readonly httpRoutes: readonly HttpRouteSpec[];
  readonly webSocketRoutes: readonly WebSocketRouteSpec[];
  readonly queueConsumers: readonly QueueConsumerSpec[];
  readonly schedules: readonly ScheduleSpec[];
}

export const defaultLocalManifest: LocalManifest = sharedManifest;
