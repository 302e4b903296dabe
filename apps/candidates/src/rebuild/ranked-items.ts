import { GLOBAL_POPULAR_KEY, type RankedItem } from '@nextbuy/contracts';
import {
  type CatalogNames,
  type StoredItem,
  boughtTogether,
  encodeList,
  encodeSingleReasonList,
  ListDictionary,
  SIMILAR_BY_ATTRIBUTES,
  similarByAttributesOnly,
  similarProducts,
  singleReasonColumns,
  type ItemStats,
  type ProductListInputs,
  type ProductListItem,
  type RecommendedItem,
  type Snapshot,
} from '@nextbuy/engine';

/** Engine items (dense indices) → stored items (external ids, names, ranks). */
export function toRankedItems(
  items: readonly (RecommendedItem | ProductListItem)[],
  s: Snapshot,
): RankedItem[] {
  return items.map((item, i) => rankedItem(item, i, s, rankedReason));
}

/**
 * `toRankedItems` with what each reason cites (the product, by id, and the link's support): the
 * items a compact list stores, their texts worded again when read (`encodeList`).
 */
export function toStoredItems(
  items: readonly (RecommendedItem | ProductListItem)[],
  s: Snapshot,
): StoredItem[] {
  return items.map((item, i) =>
    rankedItem(item, i, s, (r) => {
      const stored = rankedReason(r);
      const { via, support } = r;
      return via === undefined
        ? stored
        : { ...stored, via: s.products.ids[via]!, ...(support === undefined ? {} : { support }) };
    }),
  );
}

type EngineReason = (RecommendedItem | ProductListItem)['reasons'][number];

function rankedItem<R>(
  item: RecommendedItem | ProductListItem,
  i: number,
  s: Snapshot,
  reason: (r: EngineReason) => R,
) {
  return {
    product_id: item.productId,
    name: s.products.name[item.product] || null,
    category: categoryOf(s, item.product),
    score: round(item.score),
    rank: i + 1,
    strategy: item.strategy,
    reasons: item.reasons.map(reason),
  };
}

const rankedReason = (r: EngineReason): RankedItem['reasons'][number] => ({
  feature: r.feature,
  value: round(r.value, 1e3),
  attribution: round(r.attribution, 1e4),
  text: r.text,
});

/** The customer's segment name, as reasons about the segment cite it. */
export const segmentOf = (s: Snapshot, customer: number): string | undefined =>
  s.customers.segmentNames[s.customers.segment[customer] ?? -1];

const namesOf = new WeakMap<Snapshot['products'], CatalogNames>();

/**
 * The build's catalogue as compact lists word their items: names and categories as of the snapshot
 * (one lookup per snapshot, kept while it lives).
 */
export function snapshotNames(s: Snapshot): CatalogNames {
  const known = namesOf.get(s.products);
  if (known) return known;
  const index = new Map(s.products.ids.map((id, p) => [id, p]));
  // A list's writer asks for one item's name, category and reason texts in turn: one lookup for all.
  let lastId: string | undefined;
  let lastP: number | undefined;
  const at = (id: string) => {
    if (id !== lastId) {
      lastId = id;
      lastP = index.get(id);
    }
    return lastP;
  };
  const names: CatalogNames = {
    name: (id) => {
      const p = at(id);
      return p === undefined ? null : s.products.name[p] || null;
    },
    category: (id) => {
      const p = at(id);
      return p === undefined ? null : categoryOf(s, p);
    },
    viaName: (id) => {
      const p = at(id);
      return (p === undefined ? '' : s.products.name[p]) || id;
    },
  };
  namesOf.set(s.products, names);
  return names;
}

const dictionaryOf = new WeakMap<Snapshot['products'], ListDictionary>();

/**
 * The build's product dictionary (the snapshot's product ids, as the snapshot stage stores it):
 * how its compact lists name products. One per snapshot, kept while it lives.
 */
export function snapshotDictionary(s: Snapshot): ListDictionary {
  let known = dictionaryOf.get(s.products);
  if (!known) dictionaryOf.set(s.products, (known = new ListDictionary(s.products.ids)));
  return known;
}

function categoryOf(s: Snapshot, p: number): string | null {
  const c = s.products.category[p] ?? -1;
  return c >= 0 ? (s.products.categoryNames[c] ?? null) : null;
}

/**
 * Stored precision: scores keep 6 decimals (they order lists); reasons need less (a share of 0.4674
 * reads as 46.74 %), and each digit is ~5 % of the JSON written per rebuild.
 */
const round = (v: number, scale = 1e6) => Math.round(v * scale) / scale;

/** Lists keyed by product id, their items packed (`encodeList`). */
export interface ProductLists {
  similar: { key: string; items: Buffer }[];
  boughtTogether: { key: string; items: Buffer }[];
}

/**
 * Every product's "similar" and "bought together" lists (the engine blends the graphs), each packed
 * as soon as it is made, as customer lists are: names and reason texts are worded when read, from
 * the catalogue. A 100k-product catalogue's similar lists are 56 MB packed against 805 MB of JSON,
 * for the same CPU (BENCHMARKS.md, "Quiet measurements, 2026-12-04").
 */
export function productLists(s: Snapshot, artifacts: ProductListInputs, limit: number): ProductLists {
  const out: ProductLists = { similar: [], boughtTogether: [] };
  const names = snapshotNames(s);
  const dictionary = snapshotDictionary(s);
  // A product with attribute neighbours alone (nearly every one of a large catalogue) has its list
  // written from the graph's row as columns: the same bytes as its items would pack to, without
  // an item, a stored item and their reasons per list item. Products are named by their snapshot
  // index, which is their dictionary index when the snapshot's ids are distinct.
  const columns = dictionary.indexesSnapshot(s.products.ids) ? singleReasonColumns(limit) : undefined;
  const category = (p: number) => categoryOf(s, p);
  const by = SIMILAR_BY_ATTRIBUTES;
  for (let p = 0; p < s.products.ids.length; p++) {
    const key = s.products.ids[p]!;
    if (columns && similarByAttributesOnly(s, artifacts, p, limit, columns)) {
      if (columns.count) {
        // As `toStoredItems` rounds them.
        for (let i = 0; i < columns.count; i++) {
          columns.score[i] = round(columns.score[i]!);
          columns.value[i] = round(columns.value[i]!, 1e3);
          columns.share[i] = round(columns.share[i]!, 1e4);
        }
        out.similar.push({
          key,
          items: encodeSingleReasonList(
            columns,
            by.strategy,
            by.feature,
            by.text,
            s.products.ids,
            category,
            names,
          ),
        });
      }
    } else {
      const similar = similarProducts(s, artifacts, p, limit);
      if (similar.length)
        out.similar.push({ key, items: encodeList({ items: toStoredItems(similar, s) }, names, dictionary) });
    }
    const together = boughtTogether(s, artifacts, p, limit);
    if (together.length)
      out.boughtTogether.push({
        key,
        items: encodeList({ items: toStoredItems(together, s) }, names, dictionary),
      });
  }
  return out;
}

/** Popular lists per segment, and the global one under `GLOBAL_POPULAR_KEY` (the cold-start answer). */
export function popularLists(
  s: Snapshot,
  stats: ItemStats,
  limit: number,
): { key: string; items: RankedItem[] }[] {
  const item = (p: number, rank: number, buyers: number): RankedItem => ({
    product_id: s.products.ids[p]!,
    name: s.products.name[p] || null,
    category: categoryOf(s, p),
    score: round(buyers),
    rank,
    strategy: 'popular',
    reasons: [
      {
        feature: 'popularity',
        value: buyers,
        attribution: 1,
        text: `${buyers} customers bought it recently`,
      },
    ],
  });
  const lists = [
    {
      key: GLOBAL_POPULAR_KEY,
      items: Array.from(stats.popular.subarray(0, limit), (p, i) =>
        item(p, i + 1, stats.buyersWindow[p] ?? 0),
      ),
    },
  ];
  const seg = stats.bySegment;
  for (let g = 0; g < s.customers.segmentNames.length && g + 1 < seg.offsets.length; g++) {
    const items: RankedItem[] = [];
    for (let j = seg.offsets[g]!; j < seg.offsets[g + 1]! && items.length < limit; j++) {
      const p = seg.cols[j]!;
      if (s.products.available[p]) items.push(item(p, items.length + 1, seg.vals[j]!));
    }
    if (items.length) lists.push({ key: s.customers.segmentNames[g]!, items });
  }
  return lists;
}
