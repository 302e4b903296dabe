import type { BuildView } from '@nextbuy/contracts';
import { buildTimeline, canRollBack, modelFittedAt, NO_WORKER } from './builds';

const build = (over: Partial<BuildView> = {}): BuildView => ({
  build_id: '7',
  status: 'running',
  trigger: 'api',
  as_of: null,
  created_at: '2026-01-01T00:00:00.000Z',
  started_at: '2026-01-01T00:00:01.000Z',
  finished_at: null,
  seconds: null,
  counts: {},
  config: {},
  error: null,
  active: false,
  stages: {},
  ...over,
});

describe('buildTimeline', () => {
  const now = Date.parse('2026-01-01T00:00:31.000Z');

  it('orders started stages by start, then pending ones, with offsets from the build start', () => {
    const { rows, spanMs } = buildTimeline(
      build({
        stages: {
          publish: { status: 'pending', progress: 0 },
          'item-stats': {
            status: 'done',
            progress: 1,
            started_at: '2026-01-01T00:00:06.000Z',
            finished_at: '2026-01-01T00:00:09.000Z',
            worker: 'vm:4242',
          },
          snapshot: {
            status: 'done',
            progress: 1,
            started_at: '2026-01-01T00:00:01.000Z',
            finished_at: '2026-01-01T00:00:06.000Z',
          },
          ranker: { status: 'running', progress: 0.5, started_at: '2026-01-01T00:00:06.000Z' },
        },
      }),
      now,
    );
    expect(rows.map((r) => [r.stage, r.offsetMs, r.durationMs, r.worker])).toEqual([
      ['snapshot', 0, 5000, NO_WORKER],
      ['item-stats', 5000, 3000, 'vm:4242'],
      ['ranker', 5000, 25_000, NO_WORKER],
      ['publish', null, null, NO_WORKER],
    ]);
    expect(spanMs).toBe(30_000);
  });

  it('draws a finished build up to its end', () => {
    const { spanMs } = buildTimeline(
      build({ status: 'published', finished_at: '2026-01-01T00:00:11.000Z' }),
      now,
    );
    expect(spanMs).toBe(10_000);
  });
});

describe('build actions and the model', () => {
  it('offers rollback for superseded builds only', () => {
    expect(canRollBack(build({ status: 'superseded' }))).toBe(true);
    expect(
      ['published', 'failed', 'running'].map((status) => canRollBack(build({ status } as BuildView))),
    ).toEqual([false, false, false]);
  });

  it('dates the model by its ranker stage', () => {
    const finished = '2026-01-01T00:00:20.000Z';
    expect(
      modelFittedAt(build({ stages: { ranker: { status: 'done', progress: 1, finished_at: finished } } })),
    ).toBe(finished);
    expect(modelFittedAt(null)).toBeNull();
  });
});
