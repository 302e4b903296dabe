import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { BuildOutputs1764000100000 } from './1764000100000-build-outputs';
import { Evaluations1764000200000 } from './1764000200000-evaluations';

/**
 * Every migration, oldest first. An explicit list, not a glob: the same code runs from `src`
 * under Jest and from `dist` in production.
 */
export const MIGRATIONS = [InitialSchema1764000000000, BuildOutputs1764000100000, Evaluations1764000200000];
