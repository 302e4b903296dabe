import { Module } from '@nestjs/common';
import { EvaluationRepository } from '@nextbuy/db';
import { DataSource } from 'typeorm';
import { EvaluationsController } from './evaluations.controller';
import { EvaluationsService } from './evaluations.service';

@Module({
  controllers: [EvaluationsController],
  providers: [
    EvaluationsService,
    {
      provide: EvaluationRepository,
      inject: [DataSource],
      useFactory: (db: DataSource) => new EvaluationRepository(db),
    },
  ],
})
export class EvaluationsModule {}
