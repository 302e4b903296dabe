import { Module } from '@nestjs/common';
import { RebuildsController } from './rebuilds.controller';
import { RebuildsService } from './rebuilds.service';

@Module({ controllers: [RebuildsController], providers: [RebuildsService] })
export class RebuildsModule {}
