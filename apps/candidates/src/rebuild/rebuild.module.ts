import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QueueName } from '@nextbuy/contracts';
import { StageModule } from '@nextbuy/rebuild';
import { CandidatesProcessor } from './candidates.processor';
import { ItemListsService } from './item-lists.service';
import { PublishService } from './publish.service';
import { RankingService } from './ranking.service';

@Module({
  imports: [StageModule, BullModule.registerQueue({ name: QueueName.Candidates })],
  providers: [RankingService, ItemListsService, PublishService, CandidatesProcessor],
})
export class RebuildModule {}
