import type { FeedbackRepository, ServedAnswer, ServedAnswerJson } from '@nextbuy/db';
import { parseEnv } from '@nextbuy/config';
import { servingConfig } from '../serving.config';
import { RecommendationLogService } from './recommendation-log.service';

function logWith(answerLog: string): { log: RecommendationLogService; written: ServedAnswerJson[] } {
  const written: ServedAnswerJson[] = [];
  const repo = {
    insertServedJsonArray: (json: string) => {
      for (const row of JSON.parse(json) as unknown[]) written.push(JSON.stringify(row) as ServedAnswerJson);
      return Promise.resolve();
    },
  };
  const config = servingConfig(parseEnv({ ANSWER_LOG: answerLog }), { logFlushIntervalMs: 600_000 });
  return { log: new RecommendationLogService(repo as unknown as FeedbackRepository, config), written };
}

const answer = (i: number, experimentId: string | null): ServedAnswer => ({
  recommendationId: `r${i}`,
  servedAt: new Date(0),
  customerId: `c${i}`,
  buildId: '1',
  experimentId,
  variant: experimentId ? 'a' : 'default',
  productIds: [],
  strategies: [],
});

describe('ANSWER_LOG', () => {
  const serve = async (policy: string) => {
    const { log, written } = logWith(policy);
    for (let i = 0; i < 2000; i++) log.record(answer(i, i % 10 === 0 ? '5' : null));
    await log.flush();
    return {
      inExperiment: written.filter((w) => w.includes('"experiment_id":"5"')).length,
      all: written.length,
    };
  };

  it('logs every answer by default', async () => {
    expect(await serve('all')).toEqual({ inExperiment: 200, all: 2000 });
  });

  it('logs only experiment answers, or those and a sample of the rest', async () => {
    expect(await serve('experiments')).toEqual({ inExperiment: 200, all: 200 });
    const sampled = await serve('sample:0.1');
    expect(sampled.inExperiment).toBe(200);
    // 1,800 answers outside the experiment at 10 %: 180 expected, far outside this band by chance only.
    expect(sampled.all - 200).toBeGreaterThan(110);
    expect(sampled.all - 200).toBeLessThan(260);
  });

  it('names a bad setting', () => {
    expect(() => parseEnv({ ANSWER_LOG: 'sample:2' })).toThrow(/ANSWER_LOG.*sample:R/);
  });
});
