import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QueueName } from '@nextbuy/contracts';
import { StageModule } from '@nextbuy/rebuild';
import { FeatureStagesService } from './feature-stages.service';
import { FeaturesProcessor } from './features.processor';
import { ScheduleProcessor } from './schedule.processor';
import { SnapshotService } from './snapshot.service';

@Module({
  imports: [
    StageModule,
    BullModule.registerQueue({ name: QueueName.Features }, { name: QueueName.Schedule }),
  ],
  providers: [SnapshotService, FeatureStagesService, FeaturesProcessor, ScheduleProcessor],
})
export class RebuildModule {}
