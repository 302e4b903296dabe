import type { HistoryEvent } from '@nextbuy/contracts';
import { historyLanes, popularitySeries } from './history';

const event = (type: HistoryEvent['type'], timestamp: string, product = 'p1'): HistoryEvent => ({
  event_id: `${type}-${timestamp}`,
  customer_id: 'c1',
  product_id: product,
  product_name: product === 'p1' ? 'Blue mug' : null,
  type,
  timestamp,
  order_id: null,
  quantity: null,
  price: null,
});

describe('historyLanes', () => {
  it('puts events in lanes by type, oldest first, named by product', () => {
    const lanes = historyLanes([
      event('purchase', '2011-02-01T00:00:00Z'),
      event('view', '2011-01-02T00:00:00Z', 'p2'),
      event('purchase', '2011-01-01T00:00:00Z'),
    ]);
    expect(
      lanes.points.purchase.map(([t, , name]) => [new Date(t).toISOString().slice(0, 10), name]),
    ).toEqual([
      ['2011-01-01', 'Blue mug'],
      ['2011-02-01', 'Blue mug'],
    ]);
    expect(lanes.points.view).toEqual([[Date.parse('2011-01-02T00:00:00Z'), 'p2', 'p2']]);
    expect(lanes.points.return).toEqual([]);
  });
});

describe('popularitySeries', () => {
  it('fills the days without events and keeps only the types present', () => {
    const { days, series } = popularitySeries([
      { day: '2011-01-30', counts: { purchase: 2 } },
      { day: '2011-02-02', counts: { purchase: 1, view: 4 } },
    ]);
    expect(days).toEqual(['2011-01-30', '2011-01-31', '2011-02-01', '2011-02-02']);
    expect(series).toEqual([
      { type: 'purchase', values: [2, 0, 0, 1] },
      { type: 'view', values: [0, 0, 0, 4] },
    ]);
  });

  it('answers nothing for a product without events', () => {
    expect(popularitySeries([])).toEqual({ days: [], series: [] });
  });
});
