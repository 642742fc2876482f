// Shared by the browser tests: serves the BUILT UI with `vite preview` (started and stopped
// here), launches Debian's Chromium through playwright-core, and opens pages whose IPC is
// answered by fake-core.js through @tauri-apps/api/mocks (see shared/reference/tauri-on-linux.md §7).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
export const uiDir = join(here, '..');
export const screenshotDir = join(here, 'screenshots');
// Set by startHarness: a port the system picks, so that suites of two checkouts (or a suite and a
// `vite preview` someone left running) can run at once instead of one failing on a taken port.
let baseUrl;

/** A loopback port nothing listens on now (vite's --strictPort fails loudly if it is taken since). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// mocks.js has no imports and one trailing `export {...}`: without it, it runs as a plain script.
const mocks = readFileSync(require.resolve('@tauri-apps/api/mocks').replace(/\.cjs$/, '.js'), 'utf8').replace(
  /^export \{[^}]*\};?\s*$/m,
  '',
);
const fakeCore = readFileSync(join(here, 'fake-core.js'), 'utf8');

async function waitForServer(url, server, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`vite preview exited with ${server.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`vite preview did not answer on ${url}`);
}

/** Starts `vite preview` and Chromium; returns what the tests need and a `stop()`. */
export async function startHarness() {
  if (!existsSync(join(uiDir, 'dist', 'index.html')))
    throw new Error('ui/dist is missing: run `npm run build` before `npm run test:e2e`.');
  mkdirSync(screenshotDir, { recursive: true });
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}/`;
  const server = spawn(
    process.execPath,
    [join(uiDir, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
    { cwd: uiDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let serverLog = '';
  server.stdout.on('data', (chunk) => (serverLog += chunk));
  server.stderr.on('data', (chunk) => (serverLog += chunk));
  try {
    await waitForServer(baseUrl, server);
  } catch (error) {
    server.kill('SIGTERM');
    throw new Error(`${error.message}\n${serverLog}`);
  }
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  return {
    browser,
    async stop() {
      await browser.close().catch(() => undefined);
      server.kill('SIGTERM');
    },
  };
}

/**
 * A fresh page (own context: own storage) running the app against the fake core.
 * `seed`: { configured, users: [{email, password, tenantName, timeZone?}], session: email, prefs, integrations,
 * shared, link, mirrorAsOf, conflicts, analytics } (see fake-core.js). `timezoneId`: the system
 * time zone. `fixedTime`: what `Date.now()` says, always (timers still run), for pictures and
 * ranges that must not depend on the day the tests run.
 */
export async function openApp(
  browser,
  {
    seed = {},
    locale = 'en-US',
    colorScheme = 'light',
    timezoneId = undefined,
    viewport = { width: 1200, height: 800 },
    fixedTime = undefined,
  } = {},
) {
  const context = await browser.newContext({ locale, colorScheme, timezoneId, viewport, deviceScaleFactor: 1 });
  // Waits end when what they wait for happens; the limit only ends a test that would hang. A busy
  // machine (CI, several builds at once) may take seconds to render, and must not fail a test.
  context.setDefaultTimeout(30_000);
  if (fixedTime !== undefined) await context.clock.setFixedTime(fixedTime);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  // Any request leaving the preview server would break the CSP in the real app.
  page.on('request', (request) => {
    if (!request.url().startsWith(baseUrl) && !request.url().startsWith('data:')) problems.push(`external request: ${request.url()}`);
  });
  // The desktop app runs with Tauri's `freezePrototype`: Object.prototype is frozen before any
  // page script, so a library that assigns e.g. `toString` on a plain object throws there. The
  // browser tests freeze it the same way, or they would pass where the app shows a blank page.
  await page.addInitScript({
    content: `${mocks}\n${fakeCore}\ninstallFakeCore(${JSON.stringify(seed)});\nObject.freeze(Object.prototype);`,
  });
  await page.goto(baseUrl);
  return { page, context, problems };
}

/** Takes the picture once every transition and finite animation has ended (spinners go on for ever). */
export async function shot(page, name, { fullPage = true } = {}) {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
        // An element removed meanwhile cancels its animation: that one has ended too.
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  );
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage });
}

/**
 * Copies a screenshot taken by `shot` to docs/screenshots/ (the README's pictures), only when
 * asked with UPDATE_SCREENSHOTS=1: a run of the suite never changes the checkout it tests.
 */
export function publishShot(name, docName) {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const docs = join(uiDir, '..', 'docs', 'screenshots');
  mkdirSync(docs, { recursive: true });
  copyFileSync(join(screenshotDir, `${name}.png`), join(docs, docName));
}

/** Polls until `check` returns truthy (or, should it never, throws its last failure). */
export async function eventually(check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = new Error('condition still false');
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// What every browser test shares: the workspace owner it signs up, a control found by its role
// and exact accessible name, and the arguments of each call the page made to the fake core.
export const owner = { email: 'chu@shop.vn', password: 'mật khẩu dài', tenantName: 'Shop thời trang' };
export const role = (scope, r, name) => scope.getByRole(r, { name, exact: true });
export const calls = (page, cmd) =>
  page.evaluate((c) => window.__fakeCore.state.calls.filter((x) => x.cmd === c).map((x) => x.args), cmd);

/**
 * Starts the harness before a test file's first test and stops it after its last. The object is
 * filled in by then: read `harness.browser` in hooks and tests, not when the file loads.
 */
export function useHarness() {
  const harness = {};
  before(async () => {
    Object.assign(harness, await startHarness());
  });
  after(async () => {
    await harness.stop?.();
  });
  return harness;
}

export const VIETNAM = 'Asia/Ho_Chi_Minh';

/** `openApp`'s options for a page 1280 pixels wide and `height` high in Vietnam's time zone, the clock stopped at `fixedTime` when given (the size of the docs' screenshots). */
export const vietnamView = (seed, height, fixedTime) => ({ seed, timezoneId: VIETNAM, viewport: { width: 1280, height }, fixedTime });

/** What the app kept from the owner's last session: language, theme and the email to sign in with. */
export const prefs = (language = 'en', theme = 'light') => ({ language, theme, lastEmail: owner.email });

/** A configured workspace the owner is signed in to, holding `integrations` (fake-core.js reads the rest). */
export const signedIn = (integrations, extra = {}) => ({ configured: true, users: [owner], session: owner.email, integrations, ...extra });

/** The shop the sync and offline tests share: two stores syncing, one turned off, and its Meta ad account. */
export const fourIntegrations = ({ metaSecret = 'token-5e6f' } = {}) => [
  { provider: 'PANCAKE_POS', name: 'Shop thời trang', description: 'Cửa hàng chính, Quận 1', config: { shopId: '101' }, secret: 'key-a1b2',
    extra: { lastSyncAt: '2025-06-02T08:15:00Z' } },
  { provider: 'PANCAKE_POS', name: 'Giày dép Sài Gòn', config: { shopId: '103' }, secret: 'key-9f3c',
    extra: { lastSyncAt: '2025-06-02T07:40:00Z' } },
  { provider: 'PANCAKE_POS', name: 'Mỹ phẩm Hà Nội', config: { shopId: '102' }, secret: 'key-77d0',
    extra: { enabled: false, status: 'DISABLED' } },
  { provider: 'META_ADS', name: 'Shop thời trang Ads', config: { adAccountId: 'act_1001' }, secret: metaSecret,
    extra: { lastSyncAt: '2025-06-02T08:00:00Z' } },
];

const LIST_HEADING = { en: 'All Integrations', vi: 'Tất cả tích hợp' };

/** `openApp`, then waits for the integrations list, in the language the seed's preferences say. */
export async function openSignedIn(browser, options) {
  const opened = await openApp(browser, options);
  await role(opened.page, 'heading', LIST_HEADING[options.seed.prefs?.language ?? 'en']).waitFor();
  return opened;
}

/** The table row whose row header is `name`. */
export const row = (page, name) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });

/** Calls one of the fake core's controls (`goOffline`, `holdSyncs`, … in fake-core.js) in the page. */
export const fake = (page, fn, ...args) => page.evaluate(([f, rest]) => window.__fakeCore[f](...rest), [fn, args]);

/**
 * One page for all the tests of a `describe`: opened before the first (the signed-in list waited
 * for) and closed after the last. `use` receives `{ page, context, problems }` and may go on to
 * the screen the tests start on.
 */
export function signedInSuite(harness, options, use) {
  let context;
  before(async () => {
    const opened = await openSignedIn(harness.browser, options);
    context = opened.context;
    await use(opened);
  });
  after(() => context?.close());
}

/** Ends a test's own page: it logged no problem (page error, console error, outside request), and is closed. */
export async function closeClean(page, problems) {
  assert.deepEqual(problems, []);
  await page.context().close();
}
