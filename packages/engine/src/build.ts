/**
 * Every build stage in process. Each stage is a pure function of the snapshot (and earlier
 * artifacts); the rebuild runs them as separate jobs, tests and benchmarks call `buildAll` in process.
 */

import { CandidateGenerator, type FeatureArtifacts } from './candidates';
import { resolveConfig, type EngineConfig } from './config';
import { buildFeatureArtifacts } from './features/artifacts';
import { buildAttributeGraph } from './features/attributes';
import {
  rankCandidates,
  rankShard,
  type CustomerRecommendations,
  type RankOptions,
} from './rank/rank-candidates';
import type { RankerModel } from './rank/ranker';
import { trainRanker } from './rank/training';
import type { Snapshot } from './snapshot';
import { timed, type Timings } from './timings';

export interface BuiltEngine {
  snapshot: Snapshot;
  config: EngineConfig;
  artifacts: FeatureArtifacts;
  model: RankerModel;
  timings: Timings;
}

/** Every build stage in process: feature artifacts at asOf and the ranker trained one horizon back. */
export function buildAll(s: Snapshot, config: EngineConfig = resolveConfig()): BuiltEngine {
  const timings: Timings = {};
  const attributes = timed(timings, 'attributeGraph', () => buildAttributeGraph(s, config));
  const trainTimings: Timings = {};
  const model = trainRanker(s, config, trainTimings, attributes);
  for (const [k, v] of Object.entries(trainTimings)) timings[`train.${k}`] = v;
  const artifacts = buildFeatureArtifacts(s, config, timings, { attributes });
  return { snapshot: s, config, artifacts, model, timings };
}

/** One customer's list from a built engine (the real-time refresh path uses the same code). */
export function recommendFor(
  built: BuiltEngine,
  customer: number | string,
  options: RankOptions = {},
): CustomerRecommendations {
  const s = built.snapshot;
  const c = typeof customer === 'number' ? customer : s.customers.ids.indexOf(customer);
  if (c < 0) {
    // Unknown customer: the cold-start answer, ranked like any other customer without history.
    const gen = new CandidateGenerator(s, built.artifacts, built.config);
    const set = gen.generate(s.customers.ids.length);
    return {
      customer: -1,
      customerId: String(customer),
      items: rankCandidates(set, s, built.artifacts, built.model, built.config, options),
    };
  }
  return rankShard(s, built.artifacts, built.model, [c], built.config, options)[0]!;
}
