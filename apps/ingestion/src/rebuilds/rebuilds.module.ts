import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module';
import { RebuildsController } from './rebuilds.controller';
import { RebuildsService } from './rebuilds.service';

@Module({ imports: [TasksModule], controllers: [RebuildsController], providers: [RebuildsService] })
export class RebuildsModule {}
