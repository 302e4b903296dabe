import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Variant } from '@nextbuy/contracts';
import { type ExperimentEntity, ExperimentRepository } from '@nextbuy/db';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';
import { bucketOf, pickVariant } from './assignment';

/** The variant a customer is in, and the experiment it belongs to. */
export interface Assignment {
  experimentId: string;
  variant: Variant;
}

/**
 * The running experiment, kept in memory so assigning a variant costs one hash, no query. Re-read
 * every `experimentPollIntervalMs` (a start or stop from the CLI or another replica) and at once
 * after this replica's admin API changes it. A failed read keeps what we have.
 */
@Injectable()
export class RunningExperimentService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Experiments');
  private current: ExperimentEntity | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly experiments: ExperimentRepository,
    @Inject(SERVING_CONFIG) private readonly config: ServingConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.timer = setInterval(() => void this.refresh(), this.config.experimentPollIntervalMs);
    this.timer.unref();
    await this.refresh();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      const running = await this.experiments.running();
      if ((running?.id ?? null) !== (this.current?.id ?? null))
        this.logger.log(`Running experiment: ${running ? `${running.id} (${running.name})` : 'none'}`);
      this.current = running;
    } catch (e) {
      this.logger.warn(`Could not read the running experiment: ${(e as Error).message}`);
    }
  }

  /** `null` while no experiment runs (the answer is the default one). */
  assign(customerId: string): Assignment | null {
    const experiment = this.current;
    const [first, ...rest] = experiment?.variants ?? [];
    if (!experiment || !first) return null;
    return {
      experimentId: experiment.id,
      variant: pickVariant([first, ...rest], bucketOf(experiment.id, customerId)),
    };
  }
}
