import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';

@Module({ imports: [TasksModule], controllers: [ModelsController], providers: [ModelsService] })
export class ModelsModule {}
