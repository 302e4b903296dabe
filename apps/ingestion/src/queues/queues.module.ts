import { Module } from '@nestjs/common';
import { BullBoardRoute } from './bull-board.route';

@Module({ providers: [BullBoardRoute] })
export class QueuesModule {}
