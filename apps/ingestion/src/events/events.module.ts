import { Module } from '@nestjs/common';
import { EventPartitionsService } from './event-partitions.service';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

@Module({ controllers: [EventsController], providers: [EventsService, EventPartitionsService] })
export class EventsModule {}
