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
 * The manifest as the stacks consume it: shared/manifest.ts by default, or a small hand-made one in
 * tests (the real manifest may have no queue consumers or schedules yet, and their wiring still needs a
 * test). The stacks read nothing from shared/manifest.ts except through this shape.
 */
export interface Manifest {
  readonly queues: readonly QueueSpec[];
  readonly webSocketAuthorizer: FunctionSpec;
  readonly httpRoutes: readonly HttpRouteSpec[];
  readonly webSocketRoutes: readonly WebSocketRouteSpec[];
  readonly queueConsumers: readonly QueueConsumerSpec[];
  readonly schedules: readonly ScheduleSpec[];
  /** Every function, each once; the app stack builds one Lambda per entry. */
  allFunctions(): FunctionSpec[];
}

export const defaultManifest: Manifest = sharedManifest;
