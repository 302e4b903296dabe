/**
 * First load of the console's overview in headless Chromium, against a running console (e.g. the
 * demo): each run opens a fresh browser context (cold cache, the sign-in cookie only), navigates to
 * `/` and stops the clock when the overview shows the active build. Prints every run and the
 * median, and saves screenshots of the overview and of one customer's page.
 *
 *   CONSOLE_URL=http://127.0.0.1:3040 CONSOLE_KEY=demo-admin npx tsx bench/console/first-load.ts
 *
 * Env: RUNS (5), CUSTOMER (17850), SCREENSHOT_DIR (docs).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../../test/e2e/browser';

const url = (process.env.CONSOLE_URL ?? 'http://127.0.0.1:3040').replace(/\/+$/, '');
const key = process.env.CONSOLE_KEY ?? 'demo-admin';
const runs = Number(process.env.RUNS ?? 5);
const customer = process.env.CUSTOMER ?? '17850';
const shots = process.env.SCREENSHOT_DIR ?? 'docs';
const VIEWPORT = { width: 1280, height: 900 };

async function main(): Promise<void> {
  const browser = await launchChromium();
  try {
    // Sign in once; every run starts from an empty cache with only that cookie.
    const signing = await browser.newContext();
    const signIn = await signing.request.post(`${url}/session`, { data: { api_key: key } });
    if (!signIn.ok()) throw new Error(`sign-in: ${signIn.status()} ${await signIn.text()}`);
    const { cookies } = await signing.storageState();
    await signing.close();

    const times: { shown: number; domContentLoaded: number; transferred: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: VIEWPORT });
      await context.addCookies(cookies);
      const page = await context.newPage();
      await page.goto(`${url}/`);
      await page.getByTestId('active-build').getByText('published').waitFor();
      const timing = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        return {
          shown: performance.now(),
          domContentLoaded: nav.domContentLoadedEventEnd,
          transferred: nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0),
        };
      });
      times.push(timing);
      console.log(
        `run ${i + 1}: overview with the active build after ${timing.shown.toFixed(0)} ms ` +
          `(DOMContentLoaded ${timing.domContentLoaded.toFixed(0)} ms, ${(timing.transferred / 1024).toFixed(0)} KiB)`,
      );
      if (i === runs - 1) {
        mkdirSync(shots, { recursive: true });
        await page.waitForLoadState('networkidle');
        await page.screenshot({ path: join(shots, 'console-overview.png'), fullPage: true });
        await page.goto(`${url}/customers/${customer}`);
        await page.locator('ol.items > li').first().waitFor();
        await page.getByTestId('history-chart').locator('svg').waitFor();
        await page.screenshot({ path: join(shots, 'console-customer.png'), fullPage: true });
      }
      await context.close();
    }
    const sorted = times.map((t) => t.shown).sort((a, b) => a - b);
    console.log(`median of ${runs}: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms`);
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
