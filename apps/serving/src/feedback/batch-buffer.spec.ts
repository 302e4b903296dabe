import { BatchBuffer, type BatchBufferOptions, TextRows } from './batch-buffer';

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

describe('TextRows', () => {
  it('hands out the first rows as one JSON array, and keeps the rest after a drop', () => {
    const rows = new TextRows();
    expect(rows.peek(0)).toBe('[]');
    rows.push('{"a":1}');
    rows.push('"é ☕"');
    rows.push('[2,3]');
    expect(rows.length).toBe(3);
    expect(JSON.parse(rows.peek(3))).toEqual([{ a: 1 }, 'é ☕', [2, 3]]);
    expect(JSON.parse(rows.peek(2))).toEqual([{ a: 1 }, 'é ☕']);
    rows.drop(2);
    expect(rows.length).toBe(1);
    expect(JSON.parse(rows.peek(1))).toEqual([[2, 3]]);
    rows.push('4');
    expect(JSON.parse(rows.peek(2))).toEqual([[2, 3], 4]);
    rows.drop(2);
    expect(rows.length).toBe(0);
  });

  it('grows past its first Buffer without losing a byte', () => {
    const rows = new TextRows();
    const all = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({ i, text: `row ${i} ${'x'.repeat(i % 50)} ☕` }),
    );
    for (const row of all) rows.push(row);
    expect(rows.peek(3000)).toBe(`[${all.join(',')}]`);
    rows.drop(1234);
    expect(rows.peek(rows.length)).toBe(`[${all.slice(1234).join(',')}]`);
  });

  it('behind a BatchBuffer: batches of JSON, a failed one kept in order', async () => {
    let fail = true;
    const written: unknown[][] = [];
    const buffer = new BatchBuffer<string, string>(
      (json) => {
        if (fail) return Promise.reject(new Error('down'));
        written.push(JSON.parse(json) as unknown[]);
        return Promise.resolve();
      },
      options(),
      new TextRows(),
    );
    buffer.push('1', '2');
    await buffer.flush();
    buffer.push('3', '4');
    await buffer.flush();
    expect(buffer.size).toBe(4);
    fail = false;
    await buffer.flush();
    expect(written).toEqual([[1, 2, 3], [4]]);
    expect(buffer.size).toBe(0);
  });
});
