import type { BuildEntity, BuildOutputRepository } from '@nextbuy/db';
import { buildAll, encodeRanker, rankShard, resolveConfig } from '@nextbuy/engine';
import { syntheticShop } from '../../engine/src/__fixtures__/synthetic';
import {
  encodeSnapshot,
  encodeSnapshotItems,
  encodeSnapshotShards,
  FEATURE_CODECS,
  loadBuildArtifacts,
  snapshotItems,
  withShardHistories,
  type ArtifactReader,
} from './artifacts';
import { RANKER, SNAPSHOT } from './shape';
import { customersOfShard } from './shards';

describe('a rank shard reads the shared artifacts and only its own customers’ histories', () => {
  const engine = { ranker: { trees: 20 } };
  const config = resolveConfig(engine);
  const s = syntheticShop();
  const built = buildAll(s, config);
  const SHARDS = 3;
  const stored = new Map<string, Uint8Array>([
    [SNAPSHOT, encodeSnapshot(s)],
    [RANKER, encodeRanker(built.model)],
    ...encodeSnapshotShards(s, SHARDS),
  ]);
  for (const [name, c] of Object.entries(FEATURE_CODECS)) stored.set(name, c.encode(built.artifacts[c.key]));
  const build = { id: '7', config: { shards: SHARDS, engine } } as unknown as BuildEntity;
  const outputs = {} as BuildOutputRepository;
  const recording = (read: string[]): ArtifactReader => {
    return (name, decode) => {
      read.push(name);
      const bytes = stored.get(name);
      return bytes
        ? Promise.resolve(decode(bytes))
        : Promise.reject(new Error(`build 7 has no artifact ${name}`));
    };
  };

  beforeEach(() => {
    stored.set('snapshot-items', encodeSnapshotItems(s));
  });

  it('decodes no other shard’s events and not the whole snapshot, and ranks exactly as from it', async () => {
    const read: string[] = [];
    const reader = recording(read);
    const shared = await loadBuildArtifacts(outputs, build, reader);
    expect(shared.snapshot.events.ts.length).toBe(0);
    for (let shard = 0; shard < SHARDS; shard++) {
      read.length = 0;
      const { snapshot, artifacts, model } = await withShardHistories(reader, shared, shard, SHARDS);
      expect(read).toEqual([`snapshot-shard-${shard}`]);
      const customers = customersOfShard(s.customers.ids, shard, SHARDS);
      const mine = new Set(customers);
      expect(snapshot.events.customer.every((c) => mine.has(c))).toBe(true);
      expect(snapshot.events.ts.length).toBe(s.events.customer.filter((c) => mine.has(c)).length);
      const lists = (x: typeof s) =>
        rankShard(x, artifacts, model, customers, config, { limit: 20 }).map((r) =>
          JSON.stringify([r.customerId, r.items]),
        );
      expect(lists(snapshot)).toEqual(lists(s));
    }
    const all = [...new Set(read)];
    expect(all).not.toContain(SNAPSHOT);
  });

  it('reads only the item-level part and the feature artifacts for the shared part', async () => {
    const read: string[] = [];
    await loadBuildArtifacts(outputs, build, recording(read));
    expect(read.sort()).toEqual(['snapshot-items', RANKER, ...Object.keys(FEATURE_CODECS)].sort());
  });

  it('falls back to the whole snapshot for a build stored before the split', async () => {
    stored.delete('snapshot-items');
    const read: string[] = [];
    const shared = await loadBuildArtifacts(outputs, build, recording(read));
    expect(read).toContain(SNAPSHOT);
    expect(shared.snapshot).toEqual(snapshotItems(s));
  });

  it('refuses a shard part written for another shard count', async () => {
    const shared = await loadBuildArtifacts(outputs, build, recording([]));
    await expect(withShardHistories(recording([]), shared, 1, 4)).rejects.toThrow(/holds shard 1 of 3/);
  });
});
