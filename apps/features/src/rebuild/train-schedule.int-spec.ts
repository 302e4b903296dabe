import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JobName, QueueName } from '@nextbuy/contracts';
import { BuildRepository, type BuildEntity } from '@nextbuy/db';
import { createTestContext, eventually, type TestContext } from '@nextbuy/testing';
import { AppModule } from '../app.module';

describe('scheduled model training (real Postgres and Redis)', () => {
  let t: TestContext;
  let builds: BuildRepository;
  let held: BuildEntity;
  let schedule: Queue;

  /** Ticks of the training schedule handled so far. */
  const ticks = async () =>
    (await schedule.getJobs(['completed'], 0, 1000)).filter((j) => j.name === JobName.ScheduledTraining)
      .length;

  beforeAll(async () => {
    // Every second (cron with seconds), so the test sees ticks quickly.
    t = await createTestContext({ TRAIN_SCHEDULE: '* * * * * *' });
    builds = new BuildRepository(t.db);
    // A training in flight before the first tick: every tick must skip until it ends.
    held = await builds.create({ asOf: null, trigger: 'schedule', config: {}, kind: 'training' });
    const app = await t.boot({ module: (env) => AppModule.forRoot(env) });
    schedule = app.get<Queue>(getQueueToken(QueueName.Schedule), { strict: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('skips the ticks while a training is in flight', async () => {
    await eventually(async () => (await ticks()) >= 2, '2 scheduled training ticks handled', 20_000);
    expect((await builds.list()).map((b) => b.id)).toEqual([held.id]);
  });

  it('never runs two trainings at once: the next starts only after the one before ended', async () => {
    await builds.fail(held.id, 'ended by the test');
    const started = async () => (await builds.list(100)).filter((b) => b.id !== held.id);
    // With no events to train on, each scheduled training fails at its snapshot: a tick a second
    // starts the next one — never while the one before is in flight.
    await eventually(async () => (await started()).length >= 3, '3 scheduled trainings started', 30_000);
    const trainings = (await started()).filter((b) => b.trigger === 'schedule');
    expect(trainings.every((b) => b.kind === 'training')).toBe(true);
    const spans = trainings
      .map((b) => ({ from: b.createdAt.getTime(), to: (b.finishedAt ?? new Date()).getTime() }))
      .sort((a, b) => a.from - b.from);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.from).toBeGreaterThanOrEqual(spans[i - 1]!.to);
    expect((await builds.inFlight()).length).toBeLessThanOrEqual(1);
  });
});
