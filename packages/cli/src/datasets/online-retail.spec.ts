import { parse } from 'csv-parse/sync';
import { assignCategories, categoryOf, singular } from './category';
import { isoUtc, londonLocalToUtcMs } from './london-time';
import { OnlineRetailAdapter, median, type OnlineRetailRow } from './online-retail';

const RAW = `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom
536365,POST,POSTAGE,1,2010-12-01 08:26:00,18,17850,United Kingdom
C536379,85123a,WHITE HANGING HEART T-LIGHT HOLDER,-2,2010-12-01 09:41:00,2.95,17850,United Kingdom
536380,22139,"RETROSPOT TEA SET, CERAMIC",-12,2010-12-01 09:41:00,4.25,,United Kingdom
536381,22139,"RETROSPOT TEA SET, CERAMIC",3,2011-06-10 10:15:00,0,12583,France
536382,22386,JUMBO BAG PINK POLKADOT,10,2011-06-10 10:15:00,1.95,,United Kingdom
536382,AMAZONFEE,AMAZON FEE,1,2011-06-10 10:15:00,5.5,,United Kingdom
536383,85123A,CREAM HANGING HEART T-LIGHT HOLDER,1,2011-06-10 11:00:00,3.15,12583,France
536384,85123A,WHITE HANGING HEART T-LIGHT HOLDER,2,2011-03-27 02:30:00,2.55,12583,France
536385,gift_0001_20,Dotcomgiftshop Gift Voucher £20.00,1,2011-06-10 10:15:00,17.02,,United Kingdom
`;

function run(csv: string) {
  const adapter = new OnlineRetailAdapter();
  const rows = parse<OnlineRetailRow>(csv, { columns: true });
  const events = rows.map((r) => adapter.push(r)).filter((e) => e !== undefined);
  return { adapter, events, ...adapter.finish() };
}

describe('Online Retail adapter', () => {
  const { adapter, events, products, customers } = run(RAW);

  it('turns line items into purchases and C invoices into returns with a positive quantity', () => {
    expect(events[0]).toEqual({
      customer_id: '17850',
      product_id: '85123A',
      type: 'purchase',
      timestamp: '2010-12-01T08:26:00Z',
      order_id: '536365',
      quantity: 6,
      price: 2.55,
    });
    expect(events[1]).toMatchObject({
      type: 'return',
      quantity: 2,
      order_id: 'C536379',
      product_id: '85123A',
    });
  });

  it('drops fees, vouchers, stock adjustments and zero prices, and counts why', () => {
    expect(events).toHaveLength(5);
    expect(adapter.counts).toMatchObject({
      rows: 10,
      purchases: 4,
      returns: 1,
      guestRows: 1,
      dropped: { fee_or_adjustment_code: 3, stock_adjustment: 1, zero_or_negative_price: 1 },
    });
  });

  it('gives a guest checkout its invoice as customer, with the guest segment', () => {
    expect(events[2]).toMatchObject({ customer_id: 'guest-536382', product_id: '22386' });
    expect(customers.find((c) => c.customer_id === 'guest-536382')).toEqual({
      customer_id: 'guest-536382',
      segment: 'guest',
      signup_date: '2011-06-10T09:15:00Z',
      country: 'United Kingdom',
    });
  });

  it('converts London summer time to UTC', () => {
    expect(events[3]?.timestamp).toBe('2011-06-10T10:00:00Z');
    // BST began at 01:00 UTC that night, so 02:30 local is already summer time.
    expect(events[4]?.timestamp).toBe('2011-03-27T01:30:00Z');
  });

  it('customers: segment is the country, signup is the first invoice', () => {
    expect(customers.find((c) => c.customer_id === '12583')).toEqual({
      customer_id: '12583',
      segment: 'France',
      signup_date: '2011-03-27T01:30:00Z',
      country: 'France',
    });
  });

  it('products: most frequent description, median price, category from the head noun', () => {
    expect(products.find((p) => p.product_id === '85123A')).toEqual({
      product_id: '85123A',
      name: 'WHITE HANGING HEART T-LIGHT HOLDER',
      category: 'other', // a single "holder" product is below the category threshold
      price: 2.75,
      available: true,
    });
    expect(products.map((p) => p.product_id).sort()).toEqual(['22386', '85123A']);
  });
});

describe('categoryOf', () => {
  it.each([
    ['WHITE HANGING HEART T-LIGHT HOLDER', 'holder'],
    ['JUMBO BAG RED RETROSPOT', 'bag'],
    ['SET 7 BABUSHKA NESTING BOXES', 'box'],
    ['PACK OF 72 RETROSPOT CAKE CASES', 'case'],
    ['ASSORTED COLOUR BIRD ORNAMENT', 'ornament'],
    ['PAPER CHAIN KIT 50S CHRISTMAS', 'kit'],
    ['RED HANGING HEART', 'heart'],
    ['SET OF 4 KNICK KNACK TINS LONDON', 'tin'],
    ['FAIRY LIGHTS', 'light'],
    ['LUNCH BOX WITH CUTLERY', 'cutlery'],
    ['', undefined],
  ])('%s → %s', (description, category) => {
    expect(categoryOf(description)).toBe(category);
  });

  it('singularises plurals but not words that only end in S', () => {
    expect(['CANDLES', 'DOILIES', 'GLASSES', 'BOXES', 'GLASS', 'EARRINGS', 'DISHES'].map(singular)).toEqual([
      'CANDLE',
      'DOILY',
      'GLASS',
      'BOX',
      'GLASS',
      'EARRINGS',
      'DISH',
    ]);
  });

  it('sends a head too rare to be a category to the next candidate, else other', () => {
    const got = assignCategories(
      new Map([
        ['a', 'PINK MUG'],
        ['b', 'BLUE MUG'],
        ['c', 'MUG ZORBLAX'],
        ['d', 'WOBBLE THING'],
      ]),
      2,
    );
    expect(Object.fromEntries(got)).toEqual({ a: 'mug', b: 'mug', c: 'mug', d: 'other' });
  });
});

describe('London time', () => {
  it.each([
    ['2010-12-01 08:26:00', '2010-12-01T08:26:00Z'],
    ['2011-06-01 10:00', '2011-06-01T09:00:00Z'],
    ['2011-03-27 00:59:00', '2011-03-27T00:59:00Z'],
    ['2011-03-27 01:30:00', '2011-03-27T01:30:00Z'], // inside the spring gap: read as GMT
    ['2011-03-27 03:00:00', '2011-03-27T02:00:00Z'],
    ['2011-10-30 00:30:00', '2011-10-29T23:30:00Z'],
    ['2011-10-30 01:30:00', '2011-10-30T00:30:00Z'],
    ['2011-10-30 02:00:00', '2011-10-30T02:00:00Z'],
  ])('%s London is %s', (local, utc) => {
    expect(isoUtc(londonLocalToUtcMs(local) as number)).toBe(utc);
  });

  it('rejects text that is not a date-time', () => {
    expect(londonLocalToUtcMs('12/1/2010 8:26')).toBeUndefined();
  });
});

describe('median', () => {
  it('of odd and even counts, to the penny', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});
