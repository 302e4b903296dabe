import {
  BuildOutputRepository,
  BuildRepository,
  type CustomerList,
  type ItemListKind,
  type KeyedList,
} from '@nextbuy/db';

/** The database handle the repositories take (typeorm's DataSource). */
type Db = ConstructorParameters<typeof BuildRepository>[0];

/** What a published test build holds: customers' lists, per-kind item lists, and artifacts by name. */
export interface TestBuildLists {
  customers?: readonly CustomerList[];
  itemLists?: Partial<Record<ItemListKind, readonly KeyedList[]>>;
  /** E.g. the product dictionary its packed lists are read with (`list-dictionary`). */
  artifacts?: Readonly<Record<string, Uint8Array>>;
}

/**
 * Creates, fills and publishes a build the way a rebuild ends (without running the engine): for
 * tests of what reads builds (serving, MCP, experiments). Returns the build id.
 */
export async function publishTestBuild(
  db: Db,
  { customers = [], itemLists = {}, artifacts = {} }: TestBuildLists,
  asOf = new Date('2025-06-01T00:00:00Z'),
): Promise<string> {
  const builds = new BuildRepository(db);
  const outputs = new BuildOutputRepository(db);
  const build = await builds.create({ asOf: null, trigger: 'test', config: {} });
  await builds.markRunning(build.id, asOf);
  if (customers.length) await outputs.writeRecommendations(build.id, customers);
  for (const [kind, lists] of Object.entries(itemLists)) {
    await outputs.writeItemLists(build.id, kind as ItemListKind, lists);
  }
  for (const [name, data] of Object.entries(artifacts)) await outputs.saveArtifact(build.id, name, data);
  await builds.publish(build.id);
  return build.id;
}
