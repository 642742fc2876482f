// End to end through the BUILT desktop app: tauri-driver + WebKitWebDriver drive the real
// webview (no mocked IPC), on the embedded database and the fake Pancake server.
//
// Needs a display and a session bus: run it through `scripts/desktop-e2e.sh`, which wraps
// `npm run test:desktop` in `xvfb-run … dbus-run-session`. Before that:
//   npm --prefix ui run build && npm --prefix ui run tauri -- build --debug --no-bundle --ci
//   cargo build -p integrations-fake-servers --bin fake-servers
//   cargo install tauri-driver --locked --version ^2
// Overrides: APP_BINARY, FAKE_SERVERS_BIN, TAURI_DRIVER (paths).
//
// Flow: first run (embedded database) → create a workspace → connect Pancake with a one-shop key
// (auto-created, named after the shop) → add another store with a three-shop key (choose one) →
// enable it (stores are created switched off) → test its connection → disable it → delete it →
// the analytics page, empty → the workspace's time zone changed in Settings, followed by it →
// About (version and commit as `integrations --version`, folders, the logs folder opened) →
// start at login on and off.
// With E2E_CLI set (scripts/desktop-e2e.sh sets it), `integrations --version` must name the
// version and commit the About section shows.
// Screenshots go to e2e-desktop/screenshots/ (emptied at the start of each run).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { remote } from 'webdriverio';

const here = dirname(fileURLToPath(import.meta.url));
const uiDir = resolve(here, '..');
const screenshotDir = join(here, 'screenshots');

const APP = resolve(process.env.APP_BINARY || join(uiDir, '..', 'target', 'debug', 'integration-manager'));
const FAKE_SERVERS = resolve(process.env.FAKE_SERVERS_BIN || join(uiDir, '..', 'target', 'debug', 'fake-servers'));
const TAURI_DRIVER = process.env.TAURI_DRIVER || join(homedir(), '.cargo', 'bin', 'tauri-driver');
/** `integrations`, whose --version the About section must agree with (optional). */
const CLI = process.env.E2E_CLI;
const IDENTIFIER = 'vn.integrationmanager.desktop';

/** How long one UI state may take to appear (the app's first start creates the database). */
const UI_TIMEOUT = 20_000;
const STEP_TIMEOUT = 60_000;

const WORKSPACE = 'Cửa hàng E2E';
const EMAIL = 'owner@e2e.test';
const PASSWORD = 'correct horse battery';
const FIRST_SHOP = 'Shop thời trang';
const SECOND_SHOP = 'Mỹ phẩm Hà Nội';

/** A port nobody listens on right now. */
async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves when `child` exits, or after `ms` (then SIGKILLs it). */
async function stopProcess(child, ms = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  let timer;
  const timeout = new Promise((r) => (timer = setTimeout(r, ms, 'timeout')));
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

/** Starts the fake servers and reads the one JSON line with their base URLs. */
async function startFakeServers() {
  const child = spawn(FAKE_SERVERS, ['--orders-per-shop', '5', '--days', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  const urls = await new Promise((resolveUrls, reject) => {
    const timer = setTimeout(() => reject(new Error('fake-servers printed no URLs within 15 s')), 15_000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`fake-servers exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolveUrls(JSON.parse(buffer.slice(0, newline)));
      } catch (error) {
        reject(error);
      }
    });
  });
  child.stdout.resume();
  return { child, urls };
}

/** Polls tauri-driver's /status until it answers ready (bounded). */
async function waitForDriver(port, driver, logFile, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (driver.exitCode !== null) break;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`);
      if (response.ok) {
        const body = await response.json().catch(() => ({}));
        if (body?.value?.ready !== false) return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not become ready on port ${port}:\n${tail(logFile)}`);
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

describe('desktop app (WebDriver)', { timeout: 10 * 60_000 }, () => {
  let tmp;
  let fake;
  let driver;
  let driverLog;
  /** @type {WebdriverIO.Browser} */
  let browser;
  let failed = false;
  let shot = 0;
  let home;
  /** Where the app keeps its files in this run. */
  const paths = {};
  let driverPort;

  /** A WebDriver session: tauri-driver starts the app. */
  const openSession = () =>
    remote({
      hostname: '127.0.0.1',
      port: driverPort,
      logLevel: 'error',
      connectionRetryCount: 0,
      capabilities: {
        // WebdriverIO 9 asks for BiDi by default, which WebKitWebDriver refuses.
        'wdio:enforceWebDriverClassic': true,
        'tauri:options': { application: APP },
      },
    });

  /** One step of the flow; after a failure the remaining steps are skipped, not run blind. */
  const step = (name, fn) =>
    it(name, { timeout: STEP_TIMEOUT }, async (t) => {
      if (failed) return t.skip('an earlier step failed');
      try {
        await fn();
      } catch (error) {
        failed = true;
        await screenshot(`failed-${name.replace(/\W+/g, '-')}`).catch(() => undefined);
        throw error;
      }
    });

  const screenshot = async (name) => {
    shot += 1;
    // Let the webview paint what the DOM already shows (two animation frames), else WebKit can
    // hand back the previous, or an empty, frame.
    await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
    const file = join(screenshotDir, `${String(shot).padStart(2, '0')}-${name}.png`);
    await browser.saveScreenshot(file);
    return file;
  };

  // Accessible selectors (webdriverio's `aria/` finds by aria-label, <label for>, or own text).
  const byLabel = (label) => browser.$(`aria/${label}`);
  const button = (text) => browser.$(`//button[normalize-space()=${xpathString(text)}]`);
  const heading = (text) => browser.$(`//*[self::h1 or self::h2 or self::h3][normalize-space()=${xpathString(text)}]`);
  const row = (name) =>
    browser.$(`//table//tr[th//span[normalize-space()=${xpathString(name)}]]`);
  const statusIn = (name) =>
    browser.$(`//table//tr[th//span[normalize-space()=${xpathString(name)}]]/td[2]//span[contains(@class,'badge')][1]`);
  const storeCount = () => browser.$('[data-testid="store-count"]');
  const toastWith = (text) =>
    browser.$(`//*[@role='region'][@aria-label='Notifications']//p[contains(normalize-space(), ${xpathString(text)})]`);

  const waitText = async (element, expected, what) => {
    await element.waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: `${what} never appeared` });
    await browser.waitUntil(async () => (await element.getText()).trim() === expected, {
      timeout: UI_TIMEOUT,
      timeoutMsg: `${what}: expected "${expected}", saw "${await element.getText().catch(() => '?')}"`,
    });
  };

  before(async () => {
    for (const [what, path] of [['app (APP_BINARY)', APP], ['fake-servers (FAKE_SERVERS_BIN)', FAKE_SERVERS], ['tauri-driver (TAURI_DRIVER)', TAURI_DRIVER]])
      if (!existsSync(path)) throw new Error(`${what} not found at ${path}; see the build steps at the top of this file.`);
    if (!process.env.DISPLAY) throw new Error('No DISPLAY: run through scripts/desktop-e2e.sh (xvfb-run).');

    rmSync(screenshotDir, { recursive: true, force: true }); // only this run's pictures
    mkdirSync(screenshotDir, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'im-desktop-e2e-'));
    for (const dir of ['data', 'xdg-data', 'xdg-config', 'xdg-cache']) mkdirSync(join(tmp, dir));
    // Start at login writes under $HOME/.config whatever XDG says: a home of this run's own.
    home = join(tmp, 'home');
    mkdirSync(home, { recursive: true });
    paths.data = join(tmp, 'data');
    paths.logs = join(tmp, 'xdg-data', IDENTIFIER, 'logs');
    paths.appLog = join(paths.logs, 'Integration Manager.log');
    paths.autostart = join(home, '.config', 'autostart', 'Integration Manager.desktop');
    // "Open logs folder" runs xdg-open: this one writes down what it was asked to open.
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    paths.opened = join(tmp, 'opened.txt');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${paths.opened}'\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);

    fake = await startFakeServers();

    const port = await freePort();
    let nativePort = await freePort();
    while (nativePort === port) nativePort = await freePort();
    const env = {
      ...process.env,
      HOME: home,
      PATH: `${bin}:${process.env.PATH}`,
      INTEGRATIONS_DATA_DIR: join(tmp, 'data'),
      INTEGRATIONS_NO_KEYCHAIN: '1',
      // No update checks against the real release server from a test.
      INTEGRATIONS_UPDATE_ENDPOINT: '',
      XDG_DATA_HOME: join(tmp, 'xdg-data'),
      XDG_CONFIG_HOME: join(tmp, 'xdg-config'),
      XDG_CACHE_HOME: join(tmp, 'xdg-cache'),
      PANCAKE_POS_BASE_URL: fake.urls.pancake_base_url,
      META_GRAPH_BASE_URL: fake.urls.meta_base_url,
      // The UI follows the system language; the assertions read the English strings.
      LANG: 'C.UTF-8',
      LANGUAGE: 'en',
      LC_ALL: 'C.UTF-8',
    };
    delete env.DATABASE_URL;
    delete env.INTEGRATIONS_MASTER_KEY;
    driverLog = join(tmp, 'tauri-driver.log');
    const log = createWriteStream(driverLog);
    driver = spawn(TAURI_DRIVER, ['--port', String(port), '--native-port', String(nativePort)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    driver.stdout.pipe(log);
    driver.stderr.pipe(log);
    await waitForDriver(port, driver, driverLog);
    driverPort = port;
    browser = await openSession();
  });

  after(async () => {
    if (failed && driverLog) console.error(`--- tauri-driver log (tail) ---\n${tail(driverLog)}`);
    if (failed && paths.appLog && existsSync(paths.appLog)) console.error(`--- app log (tail) ---\n${tail(paths.appLog)}`);
    await browser?.deleteSession().catch((error) => console.error(`deleteSession: ${error.message}`));
    await stopProcess(driver); // SIGTERM also ends WebKitWebDriver
    await stopProcess(fake?.child);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  step('first run: choose the embedded database', async () => {
    // A binary from a plain `cargo build` loads the dev server instead of the embedded UI.
    await browser.waitUntil(
      async () => {
        if (await heading('Welcome to Integration Manager').isDisplayed()) return true;
        const body = await browser.$('body').getText().catch(() => '');
        if (body.includes('Could not connect to localhost'))
          throw new Error(`${APP} does not embed the UI (it loads the dev server): build it with \`tauri build --debug\`.`);
        return false;
      },
      { timeout: UI_TIMEOUT, timeoutMsg: 'the first-run screen never appeared' },
    );
    const embedded = browser.$(
      `//label[.//span[normalize-space()='Use the embedded database (recommended)']]//input[@type='radio']`,
    );
    await embedded.click();
    assert.equal(await embedded.isSelected(), true, 'the embedded database is chosen');
    await screenshot('first-run');
    await button('Continue').click();
  });

  step('create a workspace', async () => {
    const tab = browser.$(`//*[@role='tab'][normalize-space()='Create workspace']`);
    await tab.waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'the sign-in screen never appeared' });
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    await byLabel('Workspace name').setValue(WORKSPACE);
    await byLabel('Email').setValue(EMAIL);
    await byLabel('Password').setValue(PASSWORD);
    await browser.$(`//form[@aria-label='Create workspace']//button[@type='submit']`).click();

    await heading('Integrations').waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'the integrations page never appeared' });
    await heading('No integrations yet').waitForDisplayed({ timeout: UI_TIMEOUT });
    await waitText(storeCount(), 'No stores connected', 'Pancake card');
    assert.ok((await browser.$('header').getText()).includes(WORKSPACE), 'the header names the workspace');
  });

  step('connect Pancake POS with a one-shop key: created and named after the shop', async () => {
    await button('Connect Pancake POS').click();
    await heading('Connect Pancake POS').waitForDisplayed({ timeout: UI_TIMEOUT });
    await byLabel('API key').setValue('one-shop');
    await button('Create Integration').click();

    await toastWith(`Connected “${FIRST_SHOP}”.`).waitForDisplayed({ timeout: UI_TIMEOUT });
    await row(FIRST_SHOP).waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: `no table row "${FIRST_SHOP}"` });
    await waitText(storeCount(), '1 store connected', 'Pancake card');
    assert.equal(await (await row(FIRST_SHOP).$('td')).getText(), 'Pancake POS');
    await waitText(statusIn(FIRST_SHOP), 'Pending', `status of ${FIRST_SHOP}`);
    await screenshot('one-store');
  });

  step('add another store with a three-shop key and choose one', async () => {
    await browser.$(`//button[normalize-space()='+Add Another Store' or normalize-space()='Add Another Store']`).click();
    await heading('Connect Pancake POS').waitForDisplayed({ timeout: UI_TIMEOUT });
    await byLabel('API key').setValue('three-shops');
    await button('Create Integration').click();

    const radio = (name) =>
      browser.$(`//*[@role='radiogroup']//label[.//span[normalize-space()=${xpathString(name)}]]//input[@type='radio']`);
    await browser.$(`//legend[normalize-space()='Choose a shop']`).waitForDisplayed({ timeout: UI_TIMEOUT });
    assert.equal(await browser.$$(`//*[@role='radiogroup']//input[@type='radio']`).length, 3, 'three shops offered');
    assert.equal(await radio(FIRST_SHOP).isEnabled(), false, 'the connected shop cannot be chosen again');
    assert.ok((await browser.$(`//*[@role='radiogroup']`).getText()).includes('Already connected'));
    assert.equal(await button('Create Integration').isEnabled(), false, 'nothing chosen yet');

    await radio(SECOND_SHOP).click();
    assert.equal(await radio(SECOND_SHOP).isSelected(), true);
    await browser.waitUntil(async () => (await byLabel('Integration name').getValue()) === SECOND_SHOP, {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the integration name does not follow the chosen shop',
    });
    await screenshot('choose-shop');
    await button('Create Integration').click();

    await toastWith(`Connected “${SECOND_SHOP}”.`).waitForDisplayed({ timeout: UI_TIMEOUT });
    await row(SECOND_SHOP).waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: `no table row "${SECOND_SHOP}"` });
    await waitText(storeCount(), '2 stores connected', 'Pancake card');
    assert.ok(await row(FIRST_SHOP).isDisplayed(), 'the first store is still listed');
  });

  step('a new store starts Pending and switched off; enabling it switches it on', async () => {
    // The core creates integrations disabled and PENDING (the API contract); the user turns
    // them on with the switch.
    const toggle = byLabel(`Enabled: ${SECOND_SHOP}`);
    assert.equal(await toggle.getAttribute('role'), 'switch');
    await waitText(statusIn(SECOND_SHOP), 'Pending', `status of ${SECOND_SHOP}`);
    assert.equal(await toggle.getAttribute('aria-checked'), 'false', 'created switched off');
    await toggle.click();
    await toastWith(`Enabled “${SECOND_SHOP}”.`).waitForDisplayed({ timeout: UI_TIMEOUT });
    await browser.waitUntil(async () => (await toggle.getAttribute('aria-checked')) === 'true', {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the switch did not turn on',
    });
    await waitText(statusIn(SECOND_SHOP), 'Pending', `status of ${SECOND_SHOP}`);
  });

  step('test the connection: the status becomes Active', async () => {
    await byLabel(`Test ${SECOND_SHOP}`).click();
    await toastWith('Connection test passed').waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'no "test passed" toast' });
    await waitText(statusIn(SECOND_SHOP), 'Active', `status of ${SECOND_SHOP}`);
    assert.equal(await byLabel(`Enabled: ${SECOND_SHOP}`).getAttribute('aria-checked'), 'true', 'still enabled');
    await screenshot('tested');
  });

  step('disable it: the switch is off and the status Disabled', async () => {
    const toggle = byLabel(`Enabled: ${SECOND_SHOP}`);
    await toggle.click();
    await toastWith(`Disabled “${SECOND_SHOP}”.`).waitForDisplayed({ timeout: UI_TIMEOUT });
    await browser.waitUntil(async () => (await toggle.getAttribute('aria-checked')) === 'false', {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the switch is still on',
    });
    await waitText(statusIn(SECOND_SHOP), 'Disabled', `status of ${SECOND_SHOP}`);
    assert.equal(await statusIn(FIRST_SHOP).getText(), 'Pending', 'the other store is untouched');
    await screenshot('disabled');
  });

  step('delete it: the row is gone and the Pancake count drops', async () => {
    await byLabel(`Delete ${SECOND_SHOP}`).click();
    const dialog = browser.$(`//*[@role='alertdialog']`);
    await dialog.waitForDisplayed({ timeout: UI_TIMEOUT });
    assert.ok((await dialog.getText()).includes(`Delete “${SECOND_SHOP}”? This cannot be undone.`));
    await screenshot('delete-dialog');
    await dialog.$(`.//button[normalize-space()='Delete']`).click();

    await dialog.waitForExist({ reverse: true, timeout: UI_TIMEOUT, timeoutMsg: 'the dialog stayed open' });
    await toastWith(`Deleted “${SECOND_SHOP}”.`).waitForDisplayed({ timeout: UI_TIMEOUT });
    await row(SECOND_SHOP).waitForExist({ reverse: true, timeout: UI_TIMEOUT, timeoutMsg: 'the deleted row is still there' });
    await waitText(storeCount(), '1 store connected', 'Pancake card');
    assert.ok(await row(FIRST_SHOP).isDisplayed(), 'the other store is still listed');
    await screenshot('deleted');
  });

  step('the list read back from the core agrees after Refresh', async () => {
    await button('↻ Refresh').click();
    await row(FIRST_SHOP).waitForDisplayed({ timeout: UI_TIMEOUT });
    await waitText(storeCount(), '1 store connected', 'Pancake card');
    assert.equal(await row(SECOND_SHOP).isExisting(), false, 'the deleted store stays deleted');
  });

  step('analytics: the report from the embedded database, in the workspace time zone', async () => {
    await browser.$(`//nav//button[normalize-space()='Analytics']`).click();
    await heading('Analytics').waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'the analytics page never opened' });
    // Nothing is synced yet: the report answers, empty, in the workspace's time zone.
    await browser
      .$(`//*[normalize-space()='No data in this range']`)
      .waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'the report never answered' });
    await waitText(browser.$('[data-testid="analytics-time-zone"]'), 'Days in Asia/Ho_Chi_Minh', 'time zone label');
    assert.equal(await button('Export CSV').isEnabled(), false, 'nothing to export');
    await screenshot('analytics-empty');

    // The workspace moves to Bangkok in Settings; the report's days follow.
    await button('⚙ Settings').click();
    const zone = browser.$(`//select[@id=//label[normalize-space()='Time zone']/@for]`);
    await zone.waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'no time zone setting' });
    await zone.selectByAttribute('value', 'Asia/Bangkok');
    await toastWith('Time zone set to Asia/Bangkok.').waitForDisplayed({ timeout: UI_TIMEOUT });
    await browser.$(`//nav//button[normalize-space()='Analytics']`).click();
    await waitText(browser.$('[data-testid="analytics-time-zone"]'), 'Days in Asia/Bangkok', 'time zone label');
  });

  const about = () => browser.$(`//section[.//h2[normalize-space()='About']]`);
  const aboutValue = (name) => browser.$(`[data-testid="about-${name}"]`);
  const openAbout = async () => {
    if (!(await about().isDisplayed().catch(() => false))) await button('⚙ Settings').click();
    await about().waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'no About section in Settings' });
    await about().scrollIntoView();
  };

  step('About: the version and commit of `integrations --version`, the data and log folders', async () => {
    await openAbout();
    await browser.waitUntil(async () => (await aboutValue('version').getText()) !== '', {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the About section never showed a version',
    });
    const version = await aboutValue('version').getText();
    const commit = await aboutValue('commit').getText();
    assert.match(version, /^\d+\.\d+\.\d+/);
    assert.match(commit, /^([0-9a-f]{7,40}|unknown)$/);
    if (CLI) {
      const printed = execFileSync(CLI, ['--version'], { encoding: 'utf8' }).trim();
      assert.equal(printed, `integrations ${version} (commit ${commit})`, 'the CLI and the app name the same build');
    }
    assert.equal(await aboutValue('data-dir').getText(), paths.data);
    assert.equal(await aboutValue('log-dir').getText(), paths.logs);
    await screenshot('about');
  });

  step('the logs folder opens in the file manager', async () => {
    await about().$(`.//button[normalize-space()='Open logs folder']`).click();
    await browser.waitUntil(() => existsSync(paths.opened) && readFileSync(paths.opened, 'utf8').trim() !== '', {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'xdg-open was never asked to open anything',
    });
    assert.equal(readFileSync(paths.opened, 'utf8').trim(), paths.logs);
  });

  step('start at login: off by default; the switch adds and removes the login entry', async () => {
    const toggle = byLabel('Start at login');
    await toggle.waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'no start-at-login switch' });
    assert.equal(await toggle.getAttribute('role'), 'switch');
    assert.equal(await toggle.getAttribute('aria-checked'), 'false', 'off until the user turns it on');
    assert.equal(existsSync(paths.autostart), false);

    await toggle.click();
    await browser.waitUntil(async () => (await toggle.getAttribute('aria-checked')) === 'true', {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the switch did not turn on',
    });
    const entry = readFileSync(paths.autostart, 'utf8');
    assert.ok(entry.includes(`Exec=${APP} --autostart`), entry);

    await toggle.click();
    await browser.waitUntil(async () => (await toggle.getAttribute('aria-checked')) === 'false', {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the switch did not turn off',
    });
    assert.equal(existsSync(paths.autostart), false, 'turning it off removes the entry');
  });
});

/** An XPath string literal for any text (quotes included). */
function xpathString(text) {
  if (!text.includes("'")) return `'${text}'`;
  if (!text.includes('"')) return `"${text}"`;
  return `concat('${text.split("'").join(`', "'", '`)}')`;
}
