import { recommendationId, recommendationServedAt } from './recommendation-id';

describe('recommendationId', () => {
  it('is a version-7 UUID carrying the serving instant', () => {
    const at = Date.UTC(2026, 11, 3, 21, 30, 15, 123);
    const id = recommendationId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(recommendationServedAt(id)).toBe(at);
    expect(recommendationId(at)).not.toBe(id);
  });

  it('orders by serving time and knows no time in other UUIDs', () => {
    expect(recommendationId(1_000) < recommendationId(2_000)).toBe(true);
    expect(recommendationServedAt('0b5d6c1e-8a4f-4f7e-9d2a-3c1b2a4d5e6f')).toBeNull();
  });
});
