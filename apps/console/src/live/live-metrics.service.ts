import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';
import { parseMetrics, summarise, type LiveFigures, type Scrape } from './live-metrics';

/** Per-minute rates are taken over this much scrape history (and p99 over the same requests). */
export const LIVE_WINDOW_MS = 60_000;

/**
 * Scrapes the apps' Prometheus `/metrics` every `CONSOLE_METRICS_INTERVAL_MS` and keeps the last
 * minute of scrapes, so the overview's live figures cost a page load nothing but a summary.
 */
@Injectable()
export class LiveMetricsService implements OnModuleInit, OnApplicationShutdown {
  private scrapes: Scrape[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly logger = new Logger(LiveMetricsService.name);

  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {}

  onModuleInit(): void {
    void this.scrapeAll();
    this.timer = setInterval(() => void this.scrapeAll(), this.config.metricsIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  figures(): LiveFigures {
    return summarise(this.scrapes);
  }

  private async scrapeAll(): Promise<void> {
    const fresh = await Promise.all(this.config.metricsUrls.map((url) => this.scrape(url)));
    const since = Date.now() - LIVE_WINDOW_MS;
    this.scrapes = [...this.scrapes.filter((s) => s.at >= since), ...fresh];
  }

  private async scrape(url: string): Promise<Scrape> {
    const at = Date.now();
    try {
      // A scrape slower than the interval would pile up behind the next one.
      const res = await fetch(url, { signal: AbortSignal.timeout(this.config.metricsIntervalMs) });
      if (!res.ok) return { url, at, metrics: null, error: `answered ${res.status}` };
      return { url, at, metrics: await parseMetrics(await res.text()) };
    } catch (e) {
      const error = (e as Error).message;
      this.logger.debug(`scrape of ${url} failed: ${error}`);
      return { url, at, metrics: null, error };
    }
  }
}
