import { BatchBuffer, type BatchBufferOptions } from './batch-buffer';

const options = (over: Partial<BatchBufferOptions> = {}): BatchBufferOptions => ({
  flushIntervalMs: 60_000,
  batchRows: 3,
  maxRows: 10,
  ...over,
});

describe('BatchBuffer', () => {
  it('writes a full batch at once, in batches of batchRows', async () => {
    const written: number[][] = [];
    const buffer = new BatchBuffer<number>((rows) => Promise.resolve(void written.push(rows)), options());
    buffer.push(1, 2);
    expect(written).toEqual([]);
    buffer.push(3, 4, 5, 6, 7);
    await buffer.flush();
    expect(written).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(buffer.size).toBe(0);
  });

  it('writes a partial batch on the timer', async () => {
    jest.useFakeTimers();
    try {
      const written: number[][] = [];
      const buffer = new BatchBuffer<number>(
        (rows) => Promise.resolve(void written.push(rows)),
        options({ flushIntervalMs: 500 }),
      );
      buffer.start();
      buffer.push(1);
      await jest.advanceTimersByTimeAsync(499);
      expect(written).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(written).toEqual([[1]]);
      await buffer.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps the rows of a failed write, in order, and reports the outage once', async () => {
    let fail = true;
    const written: number[][] = [];
    const errors: number[] = [];
    let recovered = 0;
    const buffer = new BatchBuffer<number>(
      (rows) => {
        if (fail) return Promise.reject(new Error('down'));
        written.push(rows);
        return Promise.resolve();
      },
      options({ onError: (_e, n) => void errors.push(n), onRecovered: () => void recovered++ }),
    );
    buffer.push(1, 2);
    await buffer.flush();
    buffer.push(3, 4);
    await buffer.flush();
    expect(errors).toEqual([2]);
    expect(buffer.size).toBe(4);
    fail = false;
    await buffer.flush();
    expect(written).toEqual([[1, 2, 3], [4]]);
    expect(recovered).toBe(1);
  });

  it('refuses rows beyond maxRows, whole pushes only', () => {
    const buffer = new BatchBuffer<number>(() => Promise.reject(new Error('down')), options({ maxRows: 4 }));
    expect(buffer.push(1, 2)).toBe(true);
    expect(buffer.hasRoom(2)).toBe(true);
    expect(buffer.push(3, 4, 5)).toBe(false);
    expect(buffer.size).toBe(2);
  });

  it('writes everything on close, one write at a time', async () => {
    let concurrent = 0;
    let most = 0;
    const buffer = new BatchBuffer<number>(
      async () => {
        most = Math.max(most, ++concurrent);
        await new Promise((r) => setTimeout(r, 5));
        concurrent--;
      },
      options({ batchRows: 2, maxRows: 100 }),
    );
    for (let i = 0; i < 9; i++) buffer.push(i);
    expect(await buffer.close()).toBe(0);
    expect(most).toBe(1);
  });
});
