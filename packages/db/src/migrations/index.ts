import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { BuildOutputs1764000100000 } from './1764000100000-build-outputs';
import { Evaluations1764000200000 } from './1764000200000-evaluations';
import { Experiments1764000300000 } from './1764000300000-experiments';
import { ApiKeys1764000400000 } from './1764000400000-api-keys';
import { Realtime1764000500000 } from './1764000500000-realtime';
import { LightBuildOutputs1764000600000 } from './1764000600000-light-build-outputs';
import { Models1764000700000 } from './1764000700000-models';
import { PartitionedEvents1764000750000 } from './1764000750000-partitioned-events';
import { PartitionedLogs1764000760000 } from './1764000760000-partitioned-logs';
import { ChunkedArtifacts1764000800000 } from './1764000800000-chunked-artifacts';
import { Rules1764000900000 } from './1764000900000-rules';
import { CompactLists1764001000000 } from './1764001000000-compact-lists';
import { Tasks1764001100000 } from './1764001100000-tasks';
import { OpsScope1764001200000 } from './1764001200000-ops-scope';
import { PackedItemLists1764001400000 } from './1764001400000-packed-item-lists';
import { EventKeysByteOrder1764001700000 } from './1764001700000-event-keys-byte-order';

/**
 * Every migration, oldest first. An explicit list, not a glob: the same code runs from `src`
 * under Jest and from `dist` in production.
 */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  BuildOutputs1764000100000,
  Evaluations1764000200000,
  Experiments1764000300000,
  ApiKeys1764000400000,
  Realtime1764000500000,
  LightBuildOutputs1764000600000,
  Models1764000700000,
  PartitionedEvents1764000750000,
  PartitionedLogs1764000760000,
  ChunkedArtifacts1764000800000,
  Rules1764000900000,
  CompactLists1764001000000,
  Tasks1764001100000,
  OpsScope1764001200000,
  PackedItemLists1764001400000,
  EventKeysByteOrder1764001700000,
];
