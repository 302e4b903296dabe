import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QueueName } from '@nextbuy/contracts';
import { RebuildStagesModule } from '@nextbuy/pipeline';
import { FeaturesProcessor } from './features.processor';
import { ScheduleProcessor } from './schedule.processor';

@Module({
  imports: [
    RebuildStagesModule,
    BullModule.registerQueue({ name: QueueName.Features }, { name: QueueName.Schedule }),
  ],
  providers: [FeaturesProcessor, ScheduleProcessor],
})
export class RebuildModule {}
