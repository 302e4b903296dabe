import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QueueName } from '@nextbuy/contracts';
import { RebuildStagesModule } from '@nextbuy/pipeline';
import { CandidatesProcessor } from './candidates.processor';

@Module({
  imports: [RebuildStagesModule, BullModule.registerQueue({ name: QueueName.Candidates })],
  providers: [CandidatesProcessor],
})
export class RebuildModule {}
