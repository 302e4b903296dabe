import { type DynamicModule, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { ensureDefaultMetrics, httpRequestDuration } from './http-metrics';
import { MetricsController } from './metrics.controller';

export const METRICS_SETUP = Symbol('nextbuy.metrics-setup');

/**
 * `GET /metrics`: process metrics (labelled with the app's name) and the HTTP duration histogram,
 * which `createHttpApp` feeds from a Fastify hook.
 */
@Module({})
export class MetricsModule {
  static forRoot(app: string): DynamicModule {
    return {
      module: MetricsModule,
      imports: [
        // Default metrics are collected by `ensureDefaultMetrics` (idempotent), not by the module.
        PrometheusModule.register({
          path: '/metrics',
          defaultMetrics: { enabled: false },
          controller: MetricsController,
        }),
      ],
      providers: [
        {
          provide: METRICS_SETUP,
          useFactory: () => {
            ensureDefaultMetrics(app);
            return httpRequestDuration();
          },
        },
      ],
    };
  }
}
