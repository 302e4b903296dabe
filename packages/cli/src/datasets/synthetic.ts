import type { EventType } from '@nextbuy/contracts';
import { prng } from '@nextbuy/engine';
import {
  CATEGORY_TREE,
  JOURNEYS,
  PRICE_BANDS,
  PRICE_BAND_FACTOR,
  PRICE_BAND_SHARE,
  BRANDS_PER_CATEGORY,
  PRICE_SIGMA,
  SEGMENTS,
  SYNTHETIC_MODEL as M,
  type CategorySpec,
  type PriceBand,
  type SegmentSpec,
} from './synthetic-model';

/**
 * A synthetic store (docs/datasets.md): a catalog built up front (its size is the product count, not
 * the event count), then customers one at a time, each with the events of their whole history. Every
 * customer draws from their own seeded stream, so nothing is kept between customers and the same
 * seed gives the same store.
 */

export interface SyntheticSizes {
  customers: number;
  products: number;
  events: number;
  seed: number;
}

export const SYNTHETIC_PRODUCT_COLUMNS = [
  'product_id',
  'name',
  'category',
  'brand',
  'price',
  'available',
  'department',
  'price_band',
  'launch_date',
] as const;
export const SYNTHETIC_CUSTOMER_COLUMNS = ['customer_id', 'segment', 'signup_date'] as const;
export const SYNTHETIC_EVENT_COLUMNS = [
  'event_id',
  'customer_id',
  'product_id',
  'type',
  'timestamp',
  'session_id',
  'order_id',
  'quantity',
  'price',
] as const;

export type SyntheticProductRow = Record<
  (typeof SYNTHETIC_PRODUCT_COLUMNS)[number],
  string | number | boolean
>;
export type SyntheticCustomerRow = Record<(typeof SYNTHETIC_CUSTOMER_COLUMNS)[number], string>;

/** One event as drawn; `product` indexes the catalog. */
export interface SyntheticEvent {
  ms: number;
  type: EventType;
  product: number;
  /** Absent on returns, which happen outside a browsing session. */
  session?: number;
  order?: number;
  quantity?: number;
}

export interface SyntheticCustomer {
  id: string;
  segment: string;
  signupMs: number;
  events: SyntheticEvent[];
}

interface Product {
  id: string;
  category: number;
  /** Index into the category's brands: the first brands are the big ones. */
  brand: number;
  band: PriceBand;
  price: number;
  launchMs: number;
  returnRate: number;
}

interface Category {
  path: string;
  department: string;
  spec: CategorySpec;
  /** Product indices, best seller first, with cumulative popularity weights for sampling. */
  products: number[];
  cumulative: number[];
  brands: string[];
}

interface Segment {
  name: string;
  spec: SegmentSpec;
  /** Cumulative weights over categories (its department tastes) and the band it buys most. */
  categoryCumulative: number[];
  maxBand: number;
}

interface Profile {
  segment: number;
  signupMs: number;
  fromMs: number;
  toMs: number;
  weight: number;
}

type Pending =
  | { ms: number; kind: 'browse'; category: number }
  | { ms: number; kind: 'staple'; product: number; cycleMs: number; left: number }
  | { ms: number; kind: 'return'; product: number; order: number; quantity: number };

const DAY_MS = 86_400_000;
const BRAND_SYLLABLES = [
  'ka',
  'lo',
  've',
  'ri',
  'no',
  'ta',
  'mi',
  'sor',
  'el',
  'un',
  'dra',
  'pe',
  'zu',
  'fin',
];

/** Independent streams per customer and purpose: a 32-bit mix of the seed, the index and a tag. */
export function streamSeed(seed: number, index: number, tag: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35) ^ tag;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

const STREAM_CATALOG = 1;
const STREAM_PROFILE = 2;
const STREAM_STORY = 3;

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function pickCumulative(cumulative: readonly number[], random: () => number): number {
  const target = random() * (cumulative[cumulative.length - 1] ?? 0);
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] ?? 0) > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulate(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

const uniform = (random: () => number, lo: number, hi: number) => lo + (hi - lo) * random();
const padded = (prefix: string, n: number, count: number) =>
  `${prefix}${String(n + 1).padStart(String(count).length, '0')}`;
export const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Expected events of one browsing session, from the funnel rates: sizes a customer's session rate. */
export function expectedBrowseEvents(): number {
  const views = 1 + M.extraViewsMean;
  const clicks = views * M.clickRate;
  const carts = clicks * M.cartRate;
  return (
    views + clicks + carts + carts * M.checkoutRate + carts * (1 - M.checkoutRate) * M.abandonedRemoveRate
  );
}

export class SyntheticStore {
  readonly startMs = M.end - M.days * DAY_MS;
  readonly endMs = M.end;
  readonly products: Product[] = [];
  readonly categories: Category[] = [];
  private readonly segments: Segment[];
  private readonly segmentCumulative: number[];
  private readonly journeys = new Map<number, { to: number; minDays: number; maxDays: number }>();

  constructor(readonly sizes: SyntheticSizes) {
    for (const [department, leaves] of Object.entries(CATEGORY_TREE)) {
      for (const [name, spec] of Object.entries(leaves)) {
        this.categories.push({
          path: `${department}/${name}`,
          department,
          spec,
          products: [],
          cumulative: [],
          brands: [],
        });
      }
    }
    const byPath = new Map(this.categories.map((c, i) => [c.path, i]));
    for (const j of JOURNEYS) {
      const from = byPath.get(j.from);
      const to = byPath.get(j.to);
      if (from === undefined || to === undefined)
        throw new Error(`journey ${j.from} → ${j.to}: unknown category`);
      if (this.journeys.has(from)) throw new Error(`journeys: ${j.from} starts two of them`);
      this.journeys.set(from, { to, minDays: j.minDays, maxDays: j.maxDays });
    }
    this.segments = Object.entries(SEGMENTS).map(([name, spec]) => {
      const weights = this.categories.map((c) => {
        const siblings = Object.keys(CATEGORY_TREE[c.department] ?? {}).length;
        return (spec.departments[c.department] ?? 1) / siblings;
      });
      return {
        name,
        spec,
        categoryCumulative: cumulate(weights),
        maxBand: Math.max(...Object.values(spec.bands)),
      };
    });
    this.segmentCumulative = cumulate(this.segments.map((s) => s.spec.share));
    this.buildCatalog();
  }

  /** Products in catalog order (their ids are shuffled against category and popularity). */
  productRows(): SyntheticProductRow[] {
    return this.products.map((p) => {
      const category = this.categories[p.category]!;
      const brand = category.brands[p.brand]!;
      return {
        product_id: p.id,
        name: `${brand} ${category.path.split('/')[1]} ${p.id.slice(1)}`,
        category: category.path,
        brand,
        price: p.price,
        available: true,
        department: category.department,
        price_band: p.band,
        launch_date: isoSeconds(p.launchMs).slice(0, 10),
      };
    });
  }

  /** Customers in order, each with their history; memory stays that of one customer. */
  *customers(): Generator<SyntheticCustomer> {
    const { customers, events } = this.sizes;
    let total = 0;
    for (let i = 0; i < customers; i++) total += this.profile(i).weight;
    let cumulative = 0;
    let assigned = 0;
    for (let i = 0; i < customers; i++) {
      const profile = this.profile(i);
      cumulative += profile.weight;
      const upTo = i === customers - 1 ? events : Math.floor((events * cumulative) / total);
      const budget = upTo - assigned;
      assigned = upTo;
      yield {
        id: padded('C', i, customers),
        segment: this.segments[profile.segment]!.name,
        signupMs: profile.signupMs,
        events: this.story(i, profile, budget),
      };
    }
  }

  customerRow(c: SyntheticCustomer): SyntheticCustomerRow {
    return { customer_id: c.id, segment: c.segment, signup_date: isoSeconds(c.signupMs).slice(0, 10) };
  }

  eventRow(
    c: SyntheticCustomer,
    e: SyntheticEvent,
    n: number,
  ): Record<(typeof SYNTHETIC_EVENT_COLUMNS)[number], string | number | undefined> {
    const product = this.products[e.product]!;
    return {
      event_id: `${c.id}-E${n + 1}`,
      customer_id: c.id,
      product_id: product.id,
      type: e.type,
      timestamp: isoSeconds(e.ms),
      session_id: e.session === undefined ? undefined : `${c.id}-S${e.session}`,
      order_id: e.order === undefined ? undefined : `${c.id}-O${e.order}`,
      quantity: e.quantity,
      price: product.price,
    };
  }

  private buildCatalog(): void {
    const random = prng(streamSeed(this.sizes.seed, 0, STREAM_CATALOG));
    for (const c of this.categories) {
      const names = new Set<string>();
      while (names.size < BRANDS_PER_CATEGORY) {
        const a = BRAND_SYLLABLES[Math.floor(random() * BRAND_SYLLABLES.length)]!;
        const b = BRAND_SYLLABLES[Math.floor(random() * BRAND_SYLLABLES.length)]!;
        const name = `${a}${b}`;
        names.add(name[0]!.toUpperCase() + name.slice(1));
      }
      c.brands = [...names];
    }
    // Shuffle the ids so neither category nor popularity can be read off a product id.
    const count = this.sizes.products;
    const order = Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const bandCumulative = cumulate(PRICE_BANDS.map((b) => PRICE_BAND_SHARE[b]));
    for (let k = 0; k < count; k++) {
      const categoryIndex = k % this.categories.length;
      const category = this.categories[categoryIndex]!;
      const rank = category.products.length;
      const size = Math.ceil((count - categoryIndex) / this.categories.length);
      const band = PRICE_BANDS[pickCumulative(bandCumulative, random)]!;
      const price =
        category.spec.basePrice * PRICE_BAND_FACTOR[band] * Math.exp(PRICE_SIGMA * normal(random));
      const launched = rank > 0 && random() < M.launchShare;
      const defective = rank < size / 2 && random() < M.defectiveShare * 2;
      this.products[order[k]!] = {
        id: padded('P', order[k]!, count),
        category: categoryIndex,
        brand: Math.floor(BRANDS_PER_CATEGORY * random() ** 2),
        band,
        price: Math.floor(price) + 0.99,
        launchMs: launched
          ? this.startMs + uniform(random, M.launchFrom, M.launchTo) * M.days * DAY_MS
          : this.startMs - Math.floor(random() * M.catalogHistoryDays) * DAY_MS,
        returnRate: defective ? M.defectiveReturnRate : M.baseReturnRate,
      };
      category.products.push(order[k]!);
      category.cumulative.push((category.cumulative[rank - 1] ?? 0) + 1 / (rank + 1) ** M.popularityExponent);
    }
  }

  private profile(i: number): Profile {
    const random = prng(streamSeed(this.sizes.seed, i, STREAM_PROFILE));
    const span = this.endMs - this.startMs;
    const segment = pickCumulative(this.segmentCumulative, random);
    const arrives = random() < M.arrivalShare;
    const fromMs = arrives ? this.startMs + random() * M.arrivalBy * span : this.startMs;
    const signupMs = arrives ? fromMs : this.startMs - uniform(random, 0, M.signupHistoryDays) * DAY_MS;
    // Sessions start at least a day before the end, so no event lands past it.
    const lastMs = this.endMs - DAY_MS;
    const churns = random() < M.churnShare;
    const toMs = churns ? fromMs + uniform(random, M.churnFrom, M.churnTo) * (lastMs - fromMs) : lastMs;
    const activity = Math.exp(M.activitySigma * normal(random) - (M.activitySigma * M.activitySigma) / 2);
    return { segment, signupMs, fromMs, toMs, weight: (activity * (toMs - fromMs)) / span };
  }

  /** A customer's events: staples on their cycles, browsing sessions, returns and journeys, in time order. */
  private story(i: number, profile: Profile, budget: number): SyntheticEvent[] {
    const random = prng(streamSeed(this.sizes.seed, i, STREAM_STORY));
    const segment = this.segments[profile.segment]!;
    const { fromMs, toMs } = profile;
    const span = Math.max(toMs - fromMs, DAY_MS);
    const favourites = Array.from({ length: M.favouriteCategories }, () =>
      pickCumulative(segment.categoryCumulative, random),
    );
    const events: SyntheticEvent[] = [];
    const pending: Pending[] = [];
    const schedule = (p: Pending) => {
      let at = pending.length;
      while (at > 0 && pending[at - 1]!.ms > p.ms) at--;
      pending.splice(at, 0, p);
    };
    let sessions = 0;
    let orders = 0;

    // Staples: re-bought on a cycle for as long a stretch of the window as the budget affords.
    let stapleEvents = 0;
    const staples = new Set<number>();
    for (const c of favourites) {
      const cycleDays = this.categories[c]!.spec.cycleDays;
      if (cycleDays === undefined || staples.size >= M.maxStaples) continue;
      const cycleMs =
        cycleDays * DAY_MS * uniform(random, 1 - M.stapleCustomerSpread, 1 + M.stapleCustomerSpread);
      const affordable = Math.floor((M.stapleBudgetShare * budget - stapleEvents) / M.stapleSessionEvents);
      const buys = Math.min(affordable, Math.floor(span / cycleMs) + 1);
      if (buys < M.minStapleBuys) continue;
      const product = this.sample(c, segment, fromMs, random);
      if (staples.has(product)) continue;
      staples.add(product);
      stapleEvents += buys * M.stapleSessionEvents;
      const stretchMs = (buys - 1) * cycleMs;
      const firstMs = fromMs + random() * Math.max(span - stretchMs, 0);
      schedule({ ms: firstMs, kind: 'staple', product, cycleMs, left: buys });
    }

    const session = (ms: number, body: (step: () => number) => void) => {
      sessions++;
      let t = ms;
      body(() => (t += Math.floor(uniform(random, M.minStepSeconds, M.maxStepSeconds)) * 1000));
    };
    const emit = (e: Omit<SyntheticEvent, 'session'>) => events.push({ ...e, session: sessions });
    const emitReturn = (ms: number, product: number, order: number, quantity: number) =>
      events.push({ ms, type: 'return', product, order, quantity });
    // `follow`: in the timed pass a purchase schedules its return and journey; the fill pass, which
    // has no clock to keep, writes the return at once and starts no journey.
    const purchase = (ms: number, product: number, order: number, quantity: number, follow: boolean) => {
      emit({ ms, type: 'purchase', product, order, quantity });
      const p = this.products[product]!;
      if (random() < p.returnRate) {
        const at = ms + uniform(random, M.returnMinDays, M.returnMaxDays) * DAY_MS;
        if (at <= toMs) {
          const ret: Pending = { ms: at, kind: 'return', product, order, quantity };
          if (follow) schedule(ret);
          else emitReturn(at, product, order, quantity);
        }
      }
      const journey = this.journeys.get(p.category);
      if (follow && journey && random() < M.journeyRate) {
        const at = ms + uniform(random, journey.minDays, journey.maxDays) * DAY_MS;
        if (at <= toMs) schedule({ ms: at, kind: 'browse', category: journey.to });
      }
    };
    const browse = (ms: number, category: number, follow: boolean) =>
      session(ms, (step) => {
        const views = 1 + this.geometric(M.extraViewsMean, random);
        const cart: number[] = [];
        for (let v = 0; v < views; v++) {
          const product = this.sample(category, segment, ms, random);
          emit({ ms: step(), type: 'view', product });
          if (random() >= M.clickRate) continue;
          emit({ ms: step(), type: 'click', product });
          if (random() >= M.cartRate || cart.includes(product)) continue;
          emit({ ms: step(), type: 'cart_add', product, quantity: 1 });
          cart.push(product);
        }
        if (cart.length === 0) return;
        if (random() < M.checkoutRate) {
          const order = ++orders;
          const at = step();
          for (const product of cart) purchase(at, product, order, 1, follow);
        } else {
          for (const product of cart) {
            if (random() < M.abandonedRemoveRate)
              emit({ ms: step(), type: 'cart_remove', product, quantity: 1 });
          }
        }
      });
    const rebuy = (ms: number, product: number) =>
      session(ms, (step) => {
        const quantity = 1 + Math.floor(random() * M.maxStapleQuantity);
        emit({ ms: step(), type: 'view', product });
        emit({ ms: step(), type: 'cart_add', product, quantity });
        purchase(step(), product, ++orders, quantity, true);
      });
    const pickCategory = () => {
      const u = random();
      if (u < M.favouriteSessionShare) return favourites[Math.floor(random() * favourites.length)]!;
      if (u < M.favouriteSessionShare + M.segmentSessionShare)
        return pickCumulative(segment.categoryCumulative, random);
      return Math.floor(random() * this.categories.length);
    };

    // Browsing arrives as a Poisson process sized to fill most of the budget over the window.
    const browseBudget = Math.max(budget - stapleEvents, 0) * M.browseFill;
    const ratePerMs = browseBudget / (expectedBrowseEvents() * span);
    const nextGap = () => (ratePerMs > 0 ? -Math.log(1 - random()) / ratePerMs : Infinity);
    let nextBrowse = fromMs + nextGap();
    while (events.length < budget) {
      const due = pending[0];
      const ms = Math.min(nextBrowse, due?.ms ?? Infinity);
      if (ms > toMs) break;
      if (due && due.ms === ms) {
        pending.shift();
        if (due.kind === 'browse') browse(ms, due.category, true);
        else if (due.kind === 'return') emitReturn(ms, due.product, due.order, due.quantity);
        else {
          rebuy(ms, due.product);
          const next = ms + due.cycleMs * uniform(random, 1 - M.stapleJitter, 1 + M.stapleJitter);
          if (due.left > 1) schedule({ ...due, ms: next, left: due.left - 1 });
        }
      } else {
        browse(ms, pickCategory(), true);
        nextBrowse += nextGap();
      }
    }
    // What the window left of the budget: more browsing at uniform times inside it.
    while (events.length < budget) browse(uniform(random, fromMs, toMs), pickCategory(), false);
    events.length = Math.min(events.length, budget);
    return events.sort((a, b) => a.ms - b.ms);
  }

  /** A product of the category that exists at `ms` and suits the segment's price bands; else the best seller. */
  private sample(category: number, segment: Segment, ms: number, random: () => number): number {
    const c = this.categories[category]!;
    for (let t = 0; t < M.sampleTries; t++) {
      const product = c.products[pickCumulative(c.cumulative, random)]!;
      const p = this.products[product]!;
      if (p.launchMs <= ms && random() * segment.maxBand < segment.spec.bands[p.band]) return product;
    }
    return c.products[0]!;
  }

  private geometric(mean: number, random: () => number): number {
    let n = 0;
    while (random() < mean / (1 + mean)) n++;
    return n;
  }
}
