import { Controller, Get, HttpStatus, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { Public } from '../auth/requires-scope.decorator';
import { ApiError } from '../errors/api-error';
import { PostgresHealthIndicator } from './postgres.health';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  private readonly checks: HealthIndicatorFunction[];

  constructor(
    private readonly health: HealthCheckService,
    @Optional() postgres?: PostgresHealthIndicator,
    @Optional() redis?: RedisHealthIndicator,
  ) {
    this.checks = [];
    if (postgres) this.checks.push(() => postgres.check());
    if (redis) this.checks.push(() => redis.check());
  }

  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness and readiness: 200 when every dependency answers, 503 otherwise' })
  @ApiResponse({ status: 200, description: '`{status: "ok", info, error, details}`' })
  @ApiResponse({
    status: 503,
    description:
      'A dependency is down; `details` names it with a stable `reason`: `not_connected`, `timeout`, ' +
      '`unreachable` or `error` (the driver’s message is in the app’s log, never in the answer)',
  })
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check(this.checks);
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      const result = e.getResponse() as HealthCheckResult;
      const down = Object.entries(result.error ?? {}).map(([name, info]) => {
        const why = (info as { reason?: unknown }).reason;
        return `${name} (${typeof why === 'string' ? why : 'down'})`;
      });
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        `Not ready: ${down.join(', ') || 'a dependency is down'}`,
        result,
      );
    }
  }

  /** For liveness probes that must not restart the process while a dependency is away. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness only: 200 while the process serves HTTP' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
