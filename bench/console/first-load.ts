/**
 * First load of the console's overview in headless Chromium, against a running console (e.g. the
 * demo): each run opens a fresh browser context (cold cache, the sign-in cookie only), navigates to
 * `/` and stops the clock when the overview shows the active build (the page itself notes the
 * frame; the time Playwright's wait returned is printed beside it). Prints every run and the
 * median, and saves screenshots of the overview and of one customer's page.
 *
 *   CONSOLE_URL=http://127.0.0.1:3040 CONSOLE_KEY=demo-admin npx tsx bench/console/first-load.ts
 *
 * Comparing builds on a shared, noisy machine: `CONSOLE_URLS=old=http://…:3041,new=http://…:3040`
 * runs the consoles in turn (old, new, old, new, …) in one browser and prints a median for each, so
 * both series see the same load.
 *
 * Env: RUNS (5 per console), CUSTOMER (17850), SCREENSHOT_DIR (docs), SCREENSHOTS (1; 0: none),
 * WATERFALL (0; 1: print every request of each console's last run with its start, its end and its
 * bytes over the wire — the critical path of the first load).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../test/e2e/browser';

const key = process.env.CONSOLE_KEY ?? 'demo-admin';
const runs = Number(process.env.RUNS ?? 5);
const customer = process.env.CUSTOMER ?? '17850';
const shots = process.env.SCREENSHOT_DIR ?? 'docs';
const takeScreenshots = process.env.SCREENSHOTS !== '0';
const waterfall = process.env.WATERFALL === '1';
const VIEWPORT = { width: 1280, height: 900 };

interface Target {
  name: string;
  url: string;
}

const targets: Target[] = process.env.CONSOLE_URLS
  ? process.env.CONSOLE_URLS.split(',').map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`CONSOLE_URLS: expected name=url, got ${JSON.stringify(pair)}`);
      return { name: pair.slice(0, at), url: pair.slice(at + 1).replace(/\/+$/, '') };
    })
  : [{ name: 'console', url: (process.env.CONSOLE_URL ?? 'http://127.0.0.1:3040').replace(/\/+$/, '') }];

interface Timing {
  /** On screen: the animation frame after the active build entered the DOM, ms after navigation start. */
  shown: number;
  /** When Playwright's wait for it returned (the figure of the bench's first version). */
  seen: number;
  domContentLoaded: number;
  transferred: number;
  requests: { name: string; start: number; end: number; bytes: number; encoded: number; decoded: number }[];
}

type Cookies = Awaited<ReturnType<Awaited<ReturnType<Browser['newContext']>>['storageState']>>['cookies'];

/** Signs in once; every run starts from an empty cache with only that cookie. */
async function signIn(browser: Browser, url: string): Promise<Cookies> {
  const signing = await browser.newContext();
  const res = await signing.request.post(`${url}/session`, { data: { api_key: key } });
  if (!res.ok()) throw new Error(`sign-in at ${url}: ${res.status()} ${await res.text()}`);
  const { cookies } = await signing.storageState();
  await signing.close();
  return cookies;
}

async function firstLoad(browser: Browser, target: Target, cookies: Cookies, last: boolean): Promise<Timing> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    await context.addCookies(cookies);
    // The page notes when the active build is on screen: the frame after the DOM first holds it.
    // Playwright's own wait sees it later (it polls, and each poll is a round trip to a browser
    // that shares two busy cores), which is `seen` below.
    await context.addInitScript(() => {
      const w = window as unknown as { shownAt?: number };
      const observer = new MutationObserver(() => {
        const build = document.querySelector('[data-testid="active-build"]');
        if (w.shownAt !== undefined || !build?.textContent?.includes('published')) return;
        w.shownAt = -1;
        observer.disconnect();
        requestAnimationFrame(() => (w.shownAt = performance.now()));
      });
      observer.observe(document, { childList: true, subtree: true, characterData: true });
    });
    const page = await context.newPage();
    await page.goto(`${target.url}/`);
    await page.getByTestId('active-build').getByText('published').waitFor();
    await page.waitForFunction(() => ((window as unknown as { shownAt?: number }).shownAt ?? -1) >= 0);
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      return {
        shown: (window as unknown as { shownAt: number }).shownAt,
        seen: performance.now(),
        domContentLoaded: nav.domContentLoadedEventEnd,
        transferred: nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0),
        // Inline (no named function): tsx would wrap one in a helper the page does not have.
        requests: [nav, ...resources].map((r) => ({
          name: new URL(r.name).pathname,
          start: r.startTime,
          end: r.responseEnd,
          bytes: r.transferSize,
          encoded: r.encodedBodySize,
          decoded: r.decodedBodySize,
        })),
      };
    });
    if (last && takeScreenshots) {
      mkdirSync(shots, { recursive: true });
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: join(shots, 'console-overview.png'), fullPage: true });
      await page.goto(`${target.url}/customers/${customer}`);
      await page.locator('ol.items > li').first().waitFor();
      await page.getByTestId('history-chart').locator('svg').waitFor();
      await page.screenshot({ path: join(shots, 'console-customer.png'), fullPage: true });
    }
    return timing;
  } finally {
    await context.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

async function main(): Promise<void> {
  const browser = await launchChromium();
  try {
    const cookies = await Promise.all(targets.map((t) => signIn(browser, t.url)));
    const times = targets.map((): Timing[] => []);
    for (let i = 0; i < runs; i++) {
      for (const [t, target] of targets.entries()) {
        // Screenshots once, of the last console named (the new build when comparing).
        const timing = await firstLoad(
          browser,
          target,
          cookies[t]!,
          i === runs - 1 && t === targets.length - 1,
        );
        times[t]!.push(timing);
        console.log(
          `${target.name} run ${i + 1}: overview with the active build on screen after ${timing.shown.toFixed(0)} ms ` +
            `(seen by the bench ${timing.seen.toFixed(0)} ms, DOMContentLoaded ${timing.domContentLoaded.toFixed(0)} ms, ` +
            `${kib(timing.transferred)})`,
        );
      }
    }
    if (waterfall)
      for (const [t, target] of targets.entries()) {
        console.log(`\n${target.name}, last run: every request (ms since navigation start)`);
        for (const r of times[t]!.at(-1)!.requests.sort((a, b) => a.start - b.start))
          console.log(
            `  ${r.start.toFixed(0).padStart(5)} → ${r.end.toFixed(0).padStart(5)}  ` +
              `${kib(r.bytes).padStart(8)} (${kib(r.decoded)} decoded)  ${r.name}`,
          );
      }
    console.log('');
    for (const [t, target] of targets.entries()) {
      const series = times[t]!;
      console.log(
        `${target.name}: median of ${runs}: ${median(series.map((s) => s.shown)).toFixed(0)} ms on screen ` +
          `(seen by the bench ${median(series.map((s) => s.seen)).toFixed(0)} ms, DOMContentLoaded ${median(series.map((s) => s.domContentLoaded)).toFixed(0)} ms, ` +
          `${kib(median(series.map((s) => s.transferred)))})`,
      );
    }
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
