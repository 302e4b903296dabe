import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QueueName } from '@nextbuy/contracts';
import { BuildRepository, type BuildEntity } from '@nextbuy/db';
import { createTestContext, eventually, type TestContext } from '@nextbuy/testing';
import { AppModule } from '../app.module';

/** Ticks the test waits to see skipped: more than one, so a skip is the rule and not a race. */
const SKIPPED_TICKS = 2;

describe('scheduled rebuilds (real Postgres and Redis)', () => {
  let t: TestContext;
  let builds: BuildRepository;
  let held: BuildEntity;
  let schedule: Queue;

  beforeAll(async () => {
    // Every second (cron with seconds), so the test sees ticks quickly.
    t = await createTestContext({ REBUILD_SCHEDULE: '* * * * * *' });
    builds = new BuildRepository(t.db);
    // A build in flight before the first tick: every tick must skip until it ends.
    held = await builds.create({ asOf: null, trigger: 'test', config: {} });
    const app = await t.boot({ module: (env) => AppModule.forRoot(env) });
    schedule = app.get<Queue>(getQueueToken(QueueName.Schedule), { strict: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('skips the ticks while a build is in flight', async () => {
    await eventually(
      async () => ((await schedule.getJobCounts('completed')).completed ?? 0) >= SKIPPED_TICKS,
      `${SKIPPED_TICKS} scheduled ticks handled`,
      20_000,
    );
    expect((await builds.list()).map((b) => b.id)).toEqual([held.id]);
  });

  it('starts a rebuild on the next tick once the build in flight ends', async () => {
    await builds.fail(held.id, 'ended by the test');
    const started = async () => (await builds.list()).filter((b) => b.id !== held.id);
    await eventually(async () => (await started()).length > 0, 'a scheduled rebuild started', 20_000);
    expect((await started()).filter((b) => b.trigger !== 'schedule')).toEqual([]);
  });
});
