import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '@nextbuy/engine';

export interface SyntheticOptions {
  customers?: number;
  products?: number;
  /** Days of history, ending at `end`. */
  days?: number;
  end?: Date;
  seed?: number;
}

export interface SyntheticFiles {
  products: string;
  customers: string;
  events: string;
  /** Customer ids written, in order. */
  customerIds: string[];
}

const CATEGORIES = ['mugs', 'candles', 'bags', 'cards', 'lights', 'signs'];

/**
 * A small retail history in SPEC's canonical CSV files: customers with favourite categories who
 * re-order their staples, browse, add to cart and now and then return something. Enough structure
 * for every strategy to find something; small enough for a test.
 */
export function writeSyntheticRetail(dir: string, options: SyntheticOptions = {}): SyntheticFiles {
  const {
    customers = 60,
    products = 48,
    days = 150,
    end = new Date('2011-11-30T00:00:00Z'),
    seed = 7,
  } = options;
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  mkdirSync(dir, { recursive: true });

  const productRows = ['product_id,name,category,brand,price,available,colour'];
  const byCategory = new Map<string, string[]>();
  for (let p = 0; p < products; p++) {
    const category = CATEGORIES[p % CATEGORIES.length]!;
    const id = `P${String(p).padStart(3, '0')}`;
    byCategory.set(category, [...(byCategory.get(category) ?? []), id]);
    productRows.push(
      `${id},${category} item ${p},${category},brand${p % 4},${(2 + (p % 9) * 1.5).toFixed(2)},true,${pick(['red', 'blue', 'white'])}`,
    );
  }

  const customerRows = ['customer_id,segment,signup_date,country'];
  const eventRows = ['customer_id,product_id,type,timestamp,order_id,quantity,price,session_id'];
  const customerIds: string[] = [];
  const start = end.getTime() - days * 86_400_000;
  let order = 0;
  for (let c = 0; c < customers; c++) {
    const id = `C${String(c).padStart(3, '0')}`;
    customerIds.push(id);
    const segment = c % 3 === 0 ? 'EU' : 'UK';
    customerRows.push(
      `${id},${segment},${new Date(start).toISOString().slice(0, 10)},${segment === 'UK' ? 'United Kingdom' : 'France'}`,
    );
    const favourite = byCategory.get(CATEGORIES[c % CATEGORIES.length]!)!;
    const staples = [favourite[c % favourite.length]!, favourite[(c + 1) % favourite.length]!];
    const visits = 4 + Math.floor(random() * 8);
    for (let v = 0; v < visits; v++) {
      const ts = start + Math.floor(random() * days * 86_400_000);
      const iso = (offset: number) => new Date(ts + offset * 60_000).toISOString();
      const session = `S${c}-${v}`;
      const basket = [
        ...staples.slice(0, 1 + Math.floor(random() * 2)),
        random() < 0.5 ? pick(favourite) : pick([...byCategory.values()].flat()),
      ];
      basket.forEach((p, i) => eventRows.push(`${id},${p},view,${iso(i)},,,,${session}`));
      if (random() < 0.8) {
        const orderId = `O${++order}`;
        for (const p of new Set(basket)) {
          eventRows.push(`${id},${p},cart_add,${iso(5)},,1,,${session}`);
          eventRows.push(
            `${id},${p},purchase,${iso(10)},${orderId},${1 + Math.floor(random() * 3)},3.5,${session}`,
          );
        }
        if (random() < 0.1) eventRows.push(`${id},${basket[0]},return,${iso(60 * 24 * 3)},${orderId},1,3.5,`);
      }
    }
  }
  const files = {
    products: join(dir, 'products.csv'),
    customers: join(dir, 'customers.csv'),
    events: join(dir, 'events.csv'),
  };
  writeFileSync(files.products, productRows.join('\n') + '\n');
  writeFileSync(files.customers, customerRows.join('\n') + '\n');
  writeFileSync(files.events, eventRows.join('\n') + '\n');
  return { ...files, customerIds };
}
