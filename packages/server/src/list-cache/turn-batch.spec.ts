import { sendGrouped, TurnBatch } from './turn-batch';

describe('TurnBatch', () => {
  it('sends the keys of one event-loop turn together and answers each its own value', async () => {
    const sent: string[][] = [];
    const batch = new TurnBatch<string, string>((keys) => {
      sent.push(keys);
      return Promise.resolve(keys.map((k) => k.toUpperCase()));
    });
    const first = await Promise.all([batch.get('a'), batch.get('b'), batch.get('a')]);
    const second = await batch.get('c');
    expect(first).toEqual(['A', 'B', 'A']);
    expect(second).toBe('C');
    expect(sent).toEqual([['a', 'b', 'a'], ['c']]);
  });

  it('fails every read of a turn whose send fails, even by throwing, and goes on with the next', async () => {
    let fail = true;
    const batch = new TurnBatch<string, string>((keys) => {
      if (fail) throw new Error('database away');
      return Promise.resolve(keys);
    });
    const failed = await Promise.allSettled([batch.get('a'), batch.get('b')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batch.get('c')).resolves.toBe('c');
  });

  it('sendGrouped sends each group once and answers in the order asked', async () => {
    const sent: [string, number[]][] = [];
    const values = await sendGrouped(
      [1, 2, 3, 4, 5],
      (n) => (n % 2 ? 'odd' : 'even'),
      (group, keys) => {
        sent.push([group, keys]);
        return Promise.resolve(keys.map((n) => n * 10));
      },
    );
    expect(values).toEqual([10, 20, 30, 40, 50]);
    expect(sent).toEqual([
      ['odd', [1, 3, 5]],
      ['even', [2, 4]],
    ]);
  });
});
