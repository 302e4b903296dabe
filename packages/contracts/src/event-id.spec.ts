import { assignEventIds, EventIdAssigner } from './event-id';
import type { EventRecord } from './records';

const ev = (over: Partial<EventRecord> = {}): EventRecord => ({
  customer_id: 'c1',
  product_id: 'p1',
  type: 'purchase',
  timestamp: new Date('2011-01-01T10:00:00Z'),
  event_id: undefined,
  session_id: undefined,
  order_id: 'o1',
  quantity: 2,
  price: 1.5,
  ...over,
});

describe('assignEventIds', () => {
  it('keeps a client id', () => {
    expect(assignEventIds([ev({ event_id: 'abc' })])[0]!.event_id).toBe('abc');
  });

  it('derives the same key for the same content, every time', () => {
    const a = assignEventIds([ev(), ev({ product_id: 'p2' })]);
    const b = assignEventIds([ev(), ev({ product_id: 'p2' })]);
    expect(a.map((e) => e.event_id)).toEqual(b.map((e) => e.event_id));
    expect(a[0]!.event_id).not.toBe(a[1]!.event_id);
    expect(a[0]!.event_id).toMatch(/^nb1:/);
  });

  it('keeps two identical rows apart by their occurrence', () => {
    const keys = assignEventIds([ev(), ev(), ev()]).map((e) => e.event_id);
    expect(new Set(keys).size).toBe(3);
  });

  it('streams the same keys as a whole batch', () => {
    const assigner = new EventIdAssigner();
    const streamed = [ev(), ev(), ev({ type: 'view' })].map((e) => assigner.assign(e));
    expect(streamed).toEqual(assignEventIds([ev(), ev(), ev({ type: 'view' })]).map((e) => e.event_id));
  });
});
