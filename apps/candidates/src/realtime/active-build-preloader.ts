import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Env } from '@nextbuy/config';
import { BUILD_PUBLISHED_CHANNEL } from '@nextbuy/contracts';
import { FollowedState, InjectEnv } from '@nextbuy/server';
import { CustomerRefresher } from './customer-refresher';

/** Re-checks the active build this often too (a publish announced while the subscriber was away). */
const PRELOAD_POLL_MS = 10_000;

/**
 * Keeps the refresher's decoded build current: at boot and whenever a build is published, the
 * active build is decoded before any refresh asks for it. At 1M customers a build takes seconds to
 * decode, and the first refreshes after a publish waited for it (BENCHMARKS.md, the large store:
 * real-time p95 5.7 s with p50 225 ms).
 */
@Injectable()
export class ActiveBuildPreloader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RealtimePreload');
  private readonly followed: FollowedState<string | null>;

  constructor(refresher: CustomerRefresher, @InjectEnv() env: Env) {
    this.followed = new FollowedState({
      redisUrl: env.REDIS_URL,
      connectionName: 'nextbuy-realtime-builds',
      channel: BUILD_PUBLISHED_CHANNEL,
      pollIntervalMs: PRELOAD_POLL_MS,
      read: () => refresher.preload(),
      onError: (e) => this.logger.warn(`preloading the active build: ${(e as Error).message}`),
    });
  }

  /** Not awaited: the process is ready before the build is decoded (a refresh then waits for it). */
  onApplicationBootstrap(): void {
    this.followed.start().catch((e: unknown) => {
      this.logger.warn(`preloading the active build: ${(e as Error).message}`);
    });
  }

  onApplicationShutdown(): void {
    this.followed.stop();
  }
}
