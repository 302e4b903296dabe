/**
 * The operations console in headless Chromium against the real apps: ingestion, features,
 * candidates and serving in process on real ports, the console's server forwarding to them, a
 * synthetic shop imported and built through the queues. Needs the built web app
 * (apps/console/dist/web: `npm run build`, which `npm test` runs first).
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NextbuyClient } from '@nextbuy/client';
import type { RankedItem } from '@nextbuy/contracts';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AppModule as CandidatesApp } from '../../apps/candidates/src/app.module';
import { AppModule as ConsoleApp } from '../../apps/console/src/app.module';
import { AppModule as FeaturesApp } from '../../apps/features/src/app.module';
import { AppModule as IngestionApp } from '../../apps/ingestion/src/app.module';
import { AppModule as ServingApp } from '../../apps/serving/src/app.module';
import { launchChromium, screenshot, seriousViolations } from './browser';
import { startStack, waitForBuild, type E2eStack } from './stack';

jest.setTimeout(180_000);

const ADMIN_KEY = 'ui-admin';
/** The console's read-only key. */
const OPS_KEY = 'ui-ops';
/** A storefront's key: the serving calls below use it; the console refuses it. */
const READ_KEY = 'ui-read';
/** A reference time before the synthetic shop's newest event (its history ends 2011-11-30). */
const PAST_DAY = '2011-10-31';
/** The customer page lists this many items (CustomerPage's LIST_LENGTH). */
const LIST_LENGTH = 12;
/** A rebuild of the synthetic shop takes seconds; a loaded 2-core machine may take many more. */
const BUILD_TIMEOUT_MS = 120_000;
/** "Within a few seconds" (the issue): a real-time refresh takes about one. */
const WHAT_IF_TIMEOUT_MS = 10_000;

describe('operations console in Chromium (real apps, real Postgres, Redis and queues)', () => {
  let stack: E2eStack;
  let apps: NestFastifyApplication[] = [];
  let consoleApp: NestFastifyApplication;
  let baseUrl: string;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let servingApi: NextbuyClient;
  let ingestionApi: NextbuyClient;

  const urlOf = (app: NestFastifyApplication) =>
    `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;

  const signIn = async (p: Page, key: string) => {
    await p.goto(`${baseUrl}/`);
    await p.getByLabel('API key').fill(key);
    await p.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    stack = await startStack(`${ADMIN_KEY}:admin,${OPS_KEY}:ops,${READ_KEY}:read`, { REBUILD_SHARDS: '1' });
    apps = await Promise.all(
      [IngestionApp, FeaturesApp, CandidatesApp, ServingApp].map((m) => stack.bootApp(m)),
    );
    const [ingestion, features, candidates, serving] = apps as [
      NestFastifyApplication,
      NestFastifyApplication,
      NestFastifyApplication,
      NestFastifyApplication,
    ];
    await Promise.all(
      [ingestion, features, candidates, serving].map((a) => a.listen({ port: 0, host: '127.0.0.1' })),
    );
    consoleApp = await stack.bootApp({
      forRoot: (env) =>
        ConsoleApp.forRoot(env, {
          ingestionUrl: urlOf(ingestion),
          servingUrl: urlOf(serving),
          metricsUrls: [`${urlOf(serving)}/metrics`, `${urlOf(candidates)}/metrics`],
        }),
    });
    await consoleApp.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = urlOf(consoleApp);
    servingApi = new NextbuyClient({ baseUrl: urlOf(serving), apiKey: READ_KEY });
    ingestionApi = new NextbuyClient({ baseUrl: urlOf(ingestion), apiKey: ADMIN_KEY });

    const { build_id } = await ingestionApi.triggerRebuild();
    const built = await waitForBuild(
      ingestion,
      { 'x-api-key': ADMIN_KEY },
      build_id,
      ['published', 'failed'],
      BUILD_TIMEOUT_MS,
    );
    if (built.status !== 'published') throw new Error(`build ${built.status}: ${built.error}`);
    // Serving learns the new build through pub/sub.
    for (let i = 0; (await servingApi.recommendations('C001')).items.length === 0; i++) {
      if (i > 100) throw new Error('serving never saw the build');
      await new Promise((r) => setTimeout(r, 100));
    }

    browser = await launchChromium();
    admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await admin.newPage();
    await signIn(page, ADMIN_KEY);
    await page.getByTestId('active-build').waitFor();
  });

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await consoleApp?.close();
    await stack?.close(apps);
  });

  it('refuses a wrong key with the API’s message', async () => {
    const context = await browser.newContext();
    const stranger = await context.newPage();
    try {
      await signIn(stranger, 'not-a-key');
      await expect(stranger.getByRole('alert').textContent()).resolves.toBe('Invalid API key');
      await screenshot(stranger, 'console-wrong-key');
    } finally {
      await context.close();
    }
  });

  it('refuses a storefront’s read key, saying an ops or admin key is needed', async () => {
    const context = await browser.newContext();
    const storefront = await context.newPage();
    try {
      await signIn(storefront, READ_KEY);
      await expect(storefront.getByRole('alert').textContent()).resolves.toMatch(
        /scope "read": the console needs an ops key \(read-only\) or an admin key/,
      );
      expect(await storefront.getByLabel('API key').count()).toBe(1);
      await screenshot(storefront, 'console-read-key-refused');
    } finally {
      await context.close();
    }
  });

  it('shows the active build on the overview', async () => {
    await page.goto(`${baseUrl}/`);
    const active = page.getByTestId('active-build');
    await active.getByText('published').waitFor();
    const [build] = await ingestionApi.rebuilds({ limit: 1 });
    expect(await active.textContent()).toContain(`#${build!.build_id}`);
    expect(await page.getByTestId('count-customers').textContent()).toBe('60');
    await screenshot(page, 'console-overview');
  });

  it('shows a customer the same items and attribution shares as the API', async () => {
    await page.goto(`${baseUrl}/customers/C001`);
    const items = page.locator('ol.items > li');
    await items.first().waitFor();
    const api = await servingApi.recommendations('C001', { limit: LIST_LENGTH });
    const shown = await items.evaluateAll((lis) =>
      lis.map((li) => ({
        product: li.getAttribute('data-product'),
        strategy: li.querySelector('[data-strategy]')?.getAttribute('data-strategy'),
        shares: Object.fromEntries(
          [...li.querySelectorAll('[data-feature]')].map((r) => [
            r.getAttribute('data-feature'),
            Number(r.getAttribute('data-share')),
          ]),
        ),
      })),
    );
    expect(shown).toEqual(
      api.items.map((i) => ({
        product: i.product_id,
        strategy: i.strategy,
        shares: Object.fromEntries(i.reasons.map((r) => [r.feature, r.attribution])),
      })),
    );
    await page.getByTestId('history-chart').locator('svg').waitFor();
    await screenshot(page, 'console-customer');
  });

  it('takes in a what-if cart_add within a few seconds', async () => {
    const shown = new Set(
      (await servingApi.recommendations('C001', { limit: LIST_LENGTH })).items.map((i) => i.product_id),
    );
    const longer: RankedItem[] = (await servingApi.recommendations('C001', { limit: 50 })).items;
    const target = longer.filter((i) => !shown.has(i.product_id)).at(-1)?.product_id ?? 'P047';
    expect(shown.has(target)).toBe(false);

    await page.getByLabel('Product id').fill(target);
    await page.getByRole('radio', { name: 'cart_add' }).check();
    const started = Date.now();
    await page.getByRole('button', { name: 'Post event' }).click();
    await page.locator(`ol.items > li[data-product="${target}"]`).waitFor({ timeout: WHAT_IF_TIMEOUT_MS });
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(WHAT_IF_TIMEOUT_MS / 1000);
    await expect(page.getByTestId('what-if-result').textContent()).resolves.toMatch(/the list changed/);
    expect(await page.locator(`li[data-product="${target}"] .badge-new`).count()).toBe(1);
    await screenshot(page, 'console-what-if');
  });

  // Before the rebuild below: the what-if event above is dated now, so that build's as-of is today and
  // its popular lists (what the control variant answers) hold nothing of the 2011 shop.
  it('creates and starts an experiment and draws its report with intervals', async () => {
    await page.goto(`${baseUrl}/experiments`);
    await page.getByText('New experiment').click();
    await page.getByLabel('Name', { exact: true }).fill('popular vs engine');
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.waitForURL(/\/experiments\/\d+$/);
    const id = page.url().split('/').at(-1)!;
    await page.getByRole('button', { name: 'Start experiment' }).click();
    await page.getByRole('button', { name: 'Stop experiment' }).waitFor();

    // Storefront traffic under the experiment: answers, impressions and a few clicks.
    for (const customer of ['C000', 'C001', 'C002', 'C003', 'C004', 'C005', 'C006', 'C007']) {
      const answer = await servingApi.recommendations(customer, { limit: 5 });
      expect(answer.variant).not.toBe('default');
      for (const [position, item] of answer.items.entries()) {
        const base = {
          recommendation_id: answer.recommendation_id,
          customer_id: customer,
          product_id: item.product_id,
        };
        await servingApi.feedback({ ...base, type: 'impression' });
        if (position === 0) await servingApi.feedback({ ...base, type: 'click' });
      }
    }
    const clicked = async () =>
      (await servingApi.experimentReport(id)).variants.reduce((n, v) => n + v.clicks, 0);
    for (let i = 0; (await clicked()) < 8; i++) {
      if (i > 50) throw new Error('the feedback never reached the report');
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.reload();
    // Drawn as SVG paths: per variant a bar and an error bar of three lines, beside the axes' own.
    const paths = page.getByTestId('experiment-chart').locator('svg path');
    await paths.first().waitFor({ state: 'attached' });
    const variants = (await servingApi.experimentReport(id)).variants.length;
    await expect(paths.count()).resolves.toBeGreaterThanOrEqual(variants * 4);
    expect(await page.locator('table caption', { hasText: 'Funnel per variant' }).count()).toBe(1);
    await screenshot(page, 'console-experiment');
    await page.getByRole('button', { name: 'Stop experiment' }).click();
    await page.locator('.badge-exp-stopped').waitFor();
  });

  it('walks a rebuild started from the page through its stages to published', async () => {
    await page.goto(`${baseUrl}/builds`);
    await page.getByRole('button', { name: 'Rebuild now' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rebuild' }).click();
    await page.waitForURL(/\/builds\/\d+$/);
    const status = page.getByTestId('build-status');
    // The page refreshes itself: the stages fill in while it runs.
    await page.locator('tr[data-stage="snapshot"]').waitFor();
    await page
      .locator('[data-testid="build-status"][data-status="published"]')
      .waitFor({ timeout: BUILD_TIMEOUT_MS });
    expect(await status.getAttribute('data-status')).toBe('published');
    const stages = await page
      .locator('tr[data-stage]')
      .evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-stage'), r.getAttribute('data-status')]));
    expect(stages.length).toBeGreaterThan(5);
    expect(stages.filter(([, s]) => s !== 'done')).toEqual([]);
    // The build before this one stored its ranker as the active model: this one ranks with it, so
    // its stages are the feature stages, the item lists and the rank shards, with no training.
    expect(stages.map(([stage]) => stage)).toEqual(
      expect.arrayContaining(['snapshot', 'item-graphs', 'item-lists', 'rank-0']),
    );
    expect(stages.map(([stage]) => stage)).not.toContain('ranker');
    await screenshot(page, 'console-rebuild');
  });

  it('shows the models with the active one and its gate report; an admin trains, activates and rolls back', async () => {
    const listed = await ingestionApi.models();
    const active = listed.find((m) => m.status === 'active')!;
    expect(active.report).not.toBeNull();
    const percent = (share: number) => `${(share * 100).toFixed(2)} %`;
    const row = (id: string) => page.locator(`tr[data-model="${id}"]`);

    await page.goto(`${baseUrl}/models`);
    await row(active.model_id).waitFor();
    expect(await row(active.model_id).getAttribute('data-status')).toBe('active');
    expect(await page.getByTestId('active-model').textContent()).toContain(`model #${active.model_id}`);
    expect(await row(active.model_id).getByTestId('gate-map').textContent()).toBe(
      percent(active.report!.candidate.map),
    );
    expect(await row(active.model_id).getByTestId('gate-verdict').textContent()).toContain(
      active.report!.decision,
    );
    await page.getByTestId('model-map-chart').locator('svg').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'console-models');

    // One model's configuration, features and validation figures.
    await row(active.model_id)
      .getByRole('link', { name: `#${active.model_id}` })
      .click();
    await page.waitForURL(new RegExp(`/models/${active.model_id}$`));
    const detail = page.getByTestId('model-detail');
    await detail.getByRole('heading', { name: 'Configuration' }).waitFor();
    expect(await detail.locator('ol.features > li').count()).toBe(active.features.length);
    expect(await detail.textContent()).toContain(percent(active.report!.candidate.recall));
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'console-model-detail');

    // Train on the past, from the page: its build's progress shows while it runs. A model older
    // than the active one is never activated by the gate.
    await page.goto(`${baseUrl}/models`);
    await page.getByLabel('Data as of (optional)').fill(PAST_DAY);
    await page.getByRole('button', { name: 'Train a model' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Train' }).click();
    const queued = page
      .getByTestId('model-action-result')
      .filter({ hasText: /Training queued: model #\d+ in build #\d+/ });
    await queued.waitFor();
    const [, modelId, buildId] = /Training queued: model #(\d+) in build #(\d+)/.exec(
      (await queued.textContent())!,
    )!;
    const progress = page.locator(`[data-testid="training"][data-model="${modelId}"]`);
    await progress.waitFor();
    expect(await progress.getByRole('link', { name: `build #${buildId}` }).getAttribute('href')).toBe(
      `/builds/${buildId}`,
    );
    await screenshot(page, 'console-model-training');
    const trained = page.locator(
      `tr[data-model="${modelId}"][data-status="retired"], tr[data-model="${modelId}"][data-status="candidate"]`,
    );
    await trained.waitFor({ timeout: BUILD_TIMEOUT_MS });
    expect(await row(active.model_id).getAttribute('data-status')).toBe('active');

    // Activate it, then roll back: the state changes on the page each time.
    await trained.getByRole('button', { name: `Activate #${modelId}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Activate' }).click();
    await page.locator(`tr[data-model="${modelId}"][data-status="active"]`).waitFor();
    await page.locator(`tr[data-model="${active.model_id}"][data-status="retired"]`).waitFor();
    expect(await page.getByTestId('active-model').textContent()).toContain(`model #${modelId}`);
    await screenshot(page, 'console-model-activated');
    await page.getByRole('button', { name: 'Roll back the model' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
    await page.locator(`tr[data-model="${active.model_id}"][data-status="active"]`).waitFor();
    await page.locator(`tr[data-model="${modelId}"][data-status="retired"]`).waitFor();
    expect((await ingestionApi.models()).find((m) => m.status === 'active')?.model_id).toBe(active.model_id);
  });

  it('shows an ops key no action buttons, and only the read-only queues view', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const reader = await context.newPage();
    try {
      await signIn(reader, OPS_KEY);
      await reader.getByTestId('active-build').waitFor();
      const actions =
        /Rebuild now|Roll back|Start backtest|New experiment|Create draft|Start experiment|Stop experiment|Post event|Open Bull Board|Train a model|Activate/;
      for (const path of ['/builds', '/models', '/models/1', '/experiments/1', '/customers/C001', '/jobs']) {
        await reader.goto(`${baseUrl}${path}`);
        await reader.locator('h1').waitFor();
        await reader.waitForLoadState('networkidle');
        expect({ path, actions: await reader.getByRole('button', { name: actions }).count() }).toEqual({
          path,
          actions: 0,
        });
        expect(await reader.getByRole('link', { name: actions }).count()).toBe(0);
        expect(await reader.getByText('New experiment').count()).toBe(0);
      }
      await reader.goto(`${baseUrl}/models`);
      await reader.locator('tr[data-status="active"]').waitFor();
      await screenshot(reader, 'console-models-read-only');
      await reader.goto(`${baseUrl}/builds`);
      await reader.locator('table').waitFor();
      await screenshot(reader, 'console-read-only');
      await reader.goto(`${baseUrl}/jobs`);
      expect(await reader.getByRole('link', { name: 'View the queues' }).getAttribute('href')).toBe(
        '/queues/view/',
      );
      const view = await reader.goto(`${baseUrl}/queues/view/`);
      expect(view!.status()).toBe(200);
      const board = await reader.goto(`${baseUrl}/queues`);
      expect(board!.status()).toBe(403);
      expect((await board!.json()) as unknown).toMatchObject({
        message: expect.stringMatching(/needs "admin"/),
      });
    } finally {
      await context.close();
    }
  });

  it('reports no serious accessibility violation on any page, and works from the keyboard', async () => {
    const pages = [
      '/',
      '/builds',
      `/builds/1`,
      '/models',
      '/experiments/1',
      '/customers/C001',
      '/products/P001',
      '/jobs',
    ];
    const found: Record<string, string[]> = {};
    for (const path of pages) {
      await page.goto(`${baseUrl}${path}`);
      await page.locator('h1').waitFor();
      await page.waitForLoadState('networkidle');
      const violations = await seriousViolations(page);
      if (violations.length) found[path] = violations;
    }
    expect(found).toEqual({});

    // Keyboard: the skip link comes first, then the navigation; Enter follows a link.
    await page.goto(`${baseUrl}/`);
    await page.locator('h1').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Builds');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/builds$/);
    await page.getByRole('heading', { name: 'Builds' }).waitFor();
    await screenshot(page, 'console-keyboard');
  });
});
