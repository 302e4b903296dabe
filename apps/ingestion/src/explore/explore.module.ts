import { Module } from '@nestjs/common';
import { ExploreRepository } from '@nextbuy/db';
import { DataSource } from 'typeorm';
import { ExploreController } from './explore.controller';
import { ExploreService } from './explore.service';

@Module({
  controllers: [ExploreController],
  providers: [
    ExploreService,
    {
      provide: ExploreRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new ExploreRepository(db),
    },
  ],
})
export class ExploreModule {}
