import type { FeatureArtifacts } from '../candidates';
import type { EngineConfig } from '../config';
import type { Snapshot } from '../snapshot';
import { timed, type Timings } from '../timings';
import { buildCustomerAffinities } from './affinities';
import { buildAttributeGraph } from './attributes';
import { buildItemGraphs } from './graphs';
import { buildItemStats } from './item-stats';
import { buildCustomerNeighbours } from './neighbours';

/** All feature stages (each can run as its own job: they only read the snapshot). */
export function buildFeatureArtifacts(
  s: Snapshot,
  config: EngineConfig,
  timings?: Timings,
  /** Artifacts already built (the attribute graph depends on the catalogue only, not on time). */
  reuse: Partial<FeatureArtifacts> = {},
): FeatureArtifacts {
  return {
    itemStats: reuse.itemStats ?? timed(timings, 'itemStats', () => buildItemStats(s, config)),
    graphs: reuse.graphs ?? timed(timings, 'itemGraphs', () => buildItemGraphs(s, config)),
    attributes: reuse.attributes ?? timed(timings, 'attributeGraph', () => buildAttributeGraph(s, config)),
    affinities:
      reuse.affinities ?? timed(timings, 'customerAffinities', () => buildCustomerAffinities(s, config)),
    neighbours:
      reuse.neighbours ?? timed(timings, 'customerNeighbours', () => buildCustomerNeighbours(s, config)),
  };
}
