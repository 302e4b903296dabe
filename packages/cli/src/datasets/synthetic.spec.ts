import { createHash } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { generateSynthetic, resolveSynthetic } from '../commands/dataset.command';
import { FatalError } from '../errors';
import { SyntheticStore, type SyntheticCustomer } from './synthetic';
import { JOURNEYS } from './synthetic-model';

const DAY_MS = 86_400_000;

describe('synthetic store files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nb-synthetic-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const sizes = { customers: '150', products: '60', events: '2500' };
  const hashes = async (out: string) =>
    Promise.all(
      ['products.csv.gz', 'customers.csv.gz', 'events.csv.gz'].map(async (f) =>
        createHash('sha256')
          .update(await readFile(join(out, f)))
          .digest('hex'),
      ),
    );

  it('gives byte-identical files for the same sizes and seed, other files for another seed', async () => {
    await generateSynthetic({ ...sizes, seed: '42', out: join(dir, 'a') });
    await generateSynthetic({ ...sizes, seed: '42', out: join(dir, 'b') });
    await generateSynthetic({ ...sizes, seed: '43', out: join(dir, 'c') });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((d) => hashes(join(dir, d))));
    expect(b).toEqual(a);
    expect(c![2]).not.toEqual(a![2]);
  });

  it('writes exactly the sizes asked for, with SPEC headers', async () => {
    const out = join(dir, 'a');
    const lines = async (f: string) =>
      gunzipSync(await readFile(join(out, f)))
        .toString('utf8')
        .trimEnd()
        .split('\n');
    const [products, customers, events] = await Promise.all(
      ['products.csv.gz', 'customers.csv.gz', 'events.csv.gz'].map(lines),
    );
    expect(products).toHaveLength(61);
    expect(customers).toHaveLength(151);
    expect(events).toHaveLength(2501);
    expect(events![0]).toBe(
      'event_id,customer_id,product_id,type,timestamp,session_id,order_id,quantity,price',
    );
    expect(products![0]).toBe(
      'product_id,name,category,brand,price,available,department,price_band,launch_date',
    );
    expect(new Set(events!.slice(1).map((l) => l.split(',')[0])).size).toBe(2500);
  });

  it('fills sizes from the preset, names the directory after it, and refuses bad sizes', () => {
    expect(resolveSynthetic({ preset: 'medium' })).toEqual({
      sizes: { customers: 100_000, products: 10_000, events: 1_000_000, seed: 1 },
      out: join('data', 'synthetic-medium'),
    });
    expect(resolveSynthetic({ events: '500', seed: '9' }).out).toBe(
      join('data', 'synthetic-10000c-1000p-500e-seed9'),
    );
    expect(() => resolveSynthetic({ preset: 'huge' })).toThrow(
      new FatalError('--preset must be one of small, medium, large (got "huge")'),
    );
    expect(() => resolveSynthetic({ customers: '-3' })).toThrow(
      /--customers must be a whole number from 1 to/,
    );
    expect(() => resolveSynthetic({ products: '5' })).toThrow(/--products must be a whole number from 35 to/);
    expect(() => resolveSynthetic({ seed: 'abc' })).toThrow(
      /--seed must be a whole number from 0 to 4294967295/,
    );
  });
});

describe('synthetic store signals', () => {
  const store = new SyntheticStore({ customers: 2000, products: 300, events: 40_000, seed: 7 });
  const customers: SyntheticCustomer[] = [...store.customers()];
  const all = customers.flatMap((c) => c.events.map((e) => ({ ...e, customer: c })));
  const count = (type: string) => all.filter((e) => e.type === type).length;
  const categoryOf = (product: number) => store.categories[store.products[product]!.category]!;
  const topShare = (perProduct: Map<number, number>, share: number) => {
    const counts = [...perProduct.values()].sort((a, b) => b - a);
    const top = counts.slice(0, Math.ceil(store.products.length * share));
    return top.reduce((a, b) => a + b, 0) / counts.reduce((a, b) => a + b, 0);
  };
  const perProduct = (type: string) => {
    const m = new Map<number, number>();
    for (const e of all) if (e.type === type) m.set(e.product, (m.get(e.product) ?? 0) + 1);
    return m;
  };

  it('writes the asked number of events, each customer in time order inside the period', () => {
    expect(all).toHaveLength(40_000);
    const unordered = customers.filter((c) => c.events.some((e, i) => i > 0 && e.ms < c.events[i - 1]!.ms));
    expect(unordered).toEqual([]);
    expect(Math.min(...all.map((e) => e.ms))).toBeGreaterThanOrEqual(store.startMs);
    expect(Math.max(...all.map((e) => e.ms))).toBeLessThan(store.endMs);
  });

  it('narrows a funnel view > click > cart_add > purchase, with abandoned carts', () => {
    expect(count('view')).toBeGreaterThan(count('click'));
    expect(count('click')).toBeGreaterThan(count('cart_add'));
    expect(count('cart_add')).toBeGreaterThan(count('purchase'));
    expect(count('cart_remove')).toBeGreaterThan(0);
    const sessions = new Map<string, { cart: boolean; bought: boolean }>();
    for (const e of all) {
      if (e.session === undefined) continue;
      const key = `${e.customer.id}/${e.session}`;
      const s = sessions.get(key) ?? { cart: false, bought: false };
      s.cart ||= e.type === 'cart_add';
      s.bought ||= e.type === 'purchase';
      sessions.set(key, s);
    }
    const carts = [...sessions.values()].filter((s) => s.cart);
    expect(carts.filter((s) => !s.bought).length / carts.length).toBeGreaterThan(0.2);
  });

  it('re-buys staples far more often than other products', () => {
    const repeat = { staple: [0, 0], other: [0, 0] };
    for (const c of customers) {
      const bought = new Set<number>();
      for (const e of c.events) {
        if (e.type !== 'purchase') continue;
        const r = categoryOf(e.product).spec.cycleDays ? repeat.staple : repeat.other;
        r[0]! += bought.has(e.product) ? 1 : 0;
        r[1]! += 1;
        bought.add(e.product);
      }
    }
    const staple = repeat.staple[0]! / repeat.staple[1]!;
    const other = repeat.other[0]! / repeat.other[1]!;
    expect(staple).toBeGreaterThan(0.3);
    expect(staple).toBeGreaterThan(3 * other);
  });

  it('has a long tail of popularity and returns concentrated on a few products', () => {
    expect(topShare(perProduct('purchase'), 0.1)).toBeGreaterThan(0.5);
    expect(count('return')).toBeGreaterThan(0);
    expect(topShare(perProduct('return'), 0.05)).toBeGreaterThan(0.5);
  });

  it('launches products during the period, never seen before their launch', () => {
    const launched = new Set(store.products.flatMap((p, i) => (p.launchMs > store.startMs ? [i] : [])));
    const seen = new Set(all.filter((e) => launched.has(e.product)).map((e) => e.product));
    expect(seen.size).toBeGreaterThan(launched.size / 2);
    const early = all.filter((e) => launched.has(e.product) && e.ms < store.products[e.product]!.launchMs);
    expect(early).toEqual([]);
  });

  it('has customers who churn and customers who arrive during the period', () => {
    // Active customers (10+ events) are the fair test: a customer with 2 events is quiet anyway.
    const active = customers.filter((c) => c.events.length >= 10);
    const churned = active.filter((c) => c.events.at(-1)!.ms < store.endMs - 60 * DAY_MS);
    expect(churned.length / active.length).toBeGreaterThan(0.1);
    const arrived = customers.filter((c) => c.signupMs > store.startMs);
    expect(arrived.length / customers.length).toBeGreaterThan(0.2);
    for (const c of arrived) if (c.events.length) expect(c.events[0]!.ms).toBeGreaterThanOrEqual(c.signupMs);
    const lateStarters = active.filter((c) => c.events[0]!.ms > store.startMs + 60 * DAY_MS);
    expect(lateStarters.length / active.length).toBeGreaterThan(0.1);
  });

  it('sends buyers of a journey start to its follow-up category weeks later', () => {
    const phones = JOURNEYS.find((j) => j.from === 'electronics/phones')!;
    const isIn = (path: string) => (e: { product: number; type: string }) =>
      e.type === 'purchase' && categoryOf(e.product).path === path;
    let starters = 0;
    let followed = 0;
    for (const c of customers) {
      const first = c.events.find(isIn(phones.from));
      if (!first) continue;
      starters++;
      const after = c.events.find(
        (e) => isIn(phones.to)(e) && e.ms > first.ms + DAY_MS && e.ms <= first.ms + phones.maxDays * DAY_MS,
      );
      if (after) followed++;
    }
    const baseline = customers.filter((c) => c.events.some(isIn(phones.to))).length / customers.length;
    expect(starters).toBeGreaterThan(10);
    expect(followed / starters).toBeGreaterThan(3 * baseline);
  });

  it('gives each segment its own tastes', () => {
    const topDepartment = new Map<string, string>();
    for (const segment of new Set(customers.map((c) => c.segment))) {
      const byDepartment = new Map<string, number>();
      for (const e of all) {
        if (e.type !== 'purchase' || e.customer.segment !== segment) continue;
        const d = categoryOf(e.product).department;
        byDepartment.set(d, (byDepartment.get(d) ?? 0) + 1);
      }
      topDepartment.set(segment, [...byDepartment.entries()].sort((a, b) => b[1] - a[1])[0]![0]);
    }
    expect(topDepartment.size).toBe(5);
    expect(new Set(topDepartment.values()).size).toBeGreaterThanOrEqual(4);
  });
});
