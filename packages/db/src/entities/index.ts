import { BuildEntity } from './build.entity';
import { CustomerEntity } from './customer.entity';
import { EventEntity } from './event.entity';
import { ExperimentEntity } from './experiment.entity';
import { ImportEntity } from './import.entity';
import { ModelEntity } from './model.entity';
import { ProductEntity } from './product.entity';
import { RuleEntity } from './rule.entity';

export * from './build.entity';
export * from './customer.entity';
export * from './event.entity';
export * from './experiment.entity';
export * from './import.entity';
export * from './model.entity';
export * from './product.entity';
export * from './rule.entity';

export const ENTITIES = [
  CustomerEntity,
  ProductEntity,
  EventEntity,
  BuildEntity,
  ImportEntity,
  ExperimentEntity,
  RuleEntity,
  ModelEntity,
];
