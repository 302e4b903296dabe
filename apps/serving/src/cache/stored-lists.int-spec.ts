import type { RankedItem } from '@nextbuy/contracts';
import {
  type CatalogNames,
  encodeList,
  FEATURES,
  LIST_DICTIONARY,
  ListDictionary,
  type StoredItem,
} from '@nextbuy/engine';
import { bootTestApp, eventually, publishTestBuild, type TestApp } from '@nextbuy/testing';
import { AppModule } from '../app.module';
import { ServingCatalogService } from '../catalog/serving-catalog.service';
import { StoredListsService } from './stored-lists.service';

const READ = { 'x-api-key': 'it-read' };

/** The catalogue as serving will have it: `p1`…`p30`, named `Product pN`, category `x`. */
const names: CatalogNames = {
  name: (id) => `Product ${id}`,
  category: () => 'x',
  viaName: (id) => `Product ${id}`,
};
const buyers = FEATURES.find((f) => f.name === 'buyers_30d')!;

/** A list as a build stores it: reasons worded by the engine, so the reader words them again. */
const stored = (ids: string[]): StoredItem[] =>
  ids.map((id, i) => ({
    product_id: id,
    name: names.name(id),
    category: 'x',
    score: 1 - i / 100,
    rank: i + 1,
    strategy: 'popular',
    reasons: [{ feature: 'buyers_30d', value: 40 - i, attribution: 1, text: buyers.text(40 - i, {}) }],
  }));
const answerOf = (items: StoredItem[]): RankedItem[] =>
  items.map(({ reasons, ...item }) => ({
    ...item,
    reasons: reasons.map(({ via: _via, support: _support, ...r }) => r),
  }));

describe("stored lists read with their build's product dictionary", () => {
  let t: TestApp;
  /** Two builds of two catalogues: build B's has a product before all of A's, so every index moved. */
  let a: string;
  let b: string;
  const ofA = new ListDictionary(Array.from({ length: 30 }, (_, i) => `p${i + 1}`).sort());
  const ofB = new ListDictionary(['a-first', ...ofA.productIds]);
  const listA = stored(['p3', 'p2', 'p1']);
  const listB = stored(['p7', 'p8', 'p9']);

  beforeAll(async () => {
    t = await bootTestApp({
      module: (env) => AppModule.forRoot(env, { buildPollIntervalMs: 600_000 }),
      env: { NEXTBUY_API_KEYS: 'it-read:read' },
    });
    await t.db.query(
      `INSERT INTO products (product_id, name, category) SELECT 'p' || n, 'Product p' || n, 'x' FROM generate_series(1, 30) n`,
    );
    // Serving's catalogue follows the table within a second (its poll): the names render from it.
    const catalogue = t.app.get(ServingCatalogService);
    await eventually(
      async () => Promise.resolve(catalogue.name('p30') === 'Product p30'),
      'the catalogue loaded',
    );
    const build = (dictionary: ListDictionary, items: StoredItem[]) =>
      publishTestBuild(t.db, {
        customers: [{ customer_id: 'c1', items: encodeList({ items }, names, dictionary) }],
        artifacts: { [LIST_DICTIONARY]: dictionary.encode() },
      });
    a = await build(ofA, listA);
    b = await build(ofB, listB);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('reads each build with its own dictionary, side by side', async () => {
    const lists = t.app.get(StoredListsService);
    const [fromA, fromB] = await Promise.all([lists.customerList(a, 'c1'), lists.customerList(b, 'c1')]);
    expect([...fromA!].map((i) => i.product_id)).toEqual(['p3', 'p2', 'p1']);
    expect([...fromB!].map((i) => i.product_id)).toEqual(['p7', 'p8', 'p9']);
    // Build A's bytes read with build B's dictionary would name other products: the bytes differ.
    expect(encodeList({ items: listA }, names, ofA).equals(encodeList({ items: listA }, names, ofB))).toBe(
      false,
    );
  });

  it('answers exactly the items the build ranked, worded from the catalogue', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/customers/c1/recommendations', headers: READ });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ build_id: string; items: RankedItem[] }>();
    expect(body.build_id).toBe(b);
    expect(JSON.stringify(body.items)).toBe(JSON.stringify(answerOf(listB)));
  });
});
