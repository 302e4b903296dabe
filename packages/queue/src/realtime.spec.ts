import { RefreshDebouncer } from './realtime';

describe('RefreshDebouncer', () => {
  let t = 0;
  const clock = () => t;

  beforeEach(() => {
    t = 1_000_000;
  });

  it('debounces a lone request by the full debounce', () => {
    const d = new RefreshDebouncer(150, 400, clock);
    expect(d.delayFor('c1')).toBe(150);
  });

  it('keeps pushing the refresh back within a burst, but never past the max wait', () => {
    const d = new RefreshDebouncer(150, 400, clock);
    const dueAt: number[] = [];
    // A chatty customer: an event every 100 ms for 2 s, each closer than the debounce.
    for (let i = 0; i < 20; i++, t += 100) dueAt.push(t + d.delayFor('c1'));
    // Without a cap the refresh would be due 150 ms after the last event; with it, the bursts are
    // cut at 400 ms: a refresh runs at least every 400 ms (+ the next request's 100 ms).
    const first = 1_000_000;
    expect(dueAt[0]).toBe(first + 150);
    expect(dueAt[3]).toBe(first + 400); // 300 ms in: min(150, 100 left)
    expect(dueAt[4]).toBe(first + 400); // at the cap: due now, the burst closes
    expect(dueAt[5]).toBe(first + 500 + 150); // a new burst
    const capped = dueAt.filter((due, i) => due === first + i * 100);
    expect(capped.length).toBeGreaterThanOrEqual(3);
  });

  it('starts a new burst once the debounce has fired', () => {
    const d = new RefreshDebouncer(150, 400, clock);
    d.delayFor('c1');
    t += 100;
    expect(d.delayFor('c1')).toBe(150);
    t += 151; // quiet longer than the debounce: the refresh ran
    t += 200;
    expect(d.delayFor('c1')).toBe(150);
  });

  it('treats customers apart and forgets finished bursts', () => {
    const d = new RefreshDebouncer(150, 400, clock);
    for (let i = 0; i < 100; i++) d.delayFor(`c${i}`);
    expect(d.size).toBe(100);
    t += 1000;
    expect(d.delayFor('other')).toBe(150);
    expect(d.size).toBe(1);
  });

  it('never waits less than the debounce allows: a max wait below it is raised to it', () => {
    const d = new RefreshDebouncer(600, 100, clock);
    expect(d.delayFor('c1')).toBe(600);
    t += 50;
    expect(d.delayFor('c1')).toBe(550);
  });
});
