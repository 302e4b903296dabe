import { FEATURES, FEATURE_INDEX, NEVER_DAYS, type ReasonContext } from './features';

const ctx = {} as ReasonContext;
const text = (name: string, value: number) => FEATURES[FEATURE_INDEX[name]!]!.text(value, ctx);

describe('reason texts', () => {
  it('say days as a person would: today, one day, never', () => {
    expect(text('days_since_purchase', 0.2)).toBe('last bought today');
    expect(text('days_since_purchase', 1)).toBe('last bought 1 day ago');
    expect(text('days_since_purchase', 12.4)).toBe('last bought 12 days ago');
    expect(text('days_since_purchase', NEVER_DAYS)).toBe('never bought it');
    expect(text('days_since_order', NEVER_DAYS)).toBe('no order yet');
  });

  it('never say a customer orders "every 0 days"', () => {
    expect(text('order_interval', 0.1)).toBe('you order several times a day');
    expect(text('order_interval', 1.2)).toBe('you order about every day');
    expect(text('order_interval', 14.3)).toBe('you order about every 14 days');
  });

  it('say how long a product has been on sale', () => {
    expect(text('item_age_days', 0)).toBe('new in the catalogue today');
    expect(text('item_age_days', 1)).toBe('on sale for 1 day');
    expect(text('item_age_days', 373)).toBe('on sale for 373 days');
  });
});
