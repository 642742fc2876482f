// End to end through the BUILT desktop app: tauri-driver + WebKitWebDriver drive the real
// webview (no mocked IPC), on the embedded database and the fake Pancake server.
//
// Needs a display and a session bus: run it through `scripts/desktop-e2e.sh`, which wraps
// `npm run test:desktop` in `xvfb-run … dbus-run-session`. Before that:
//   npm --prefix ui run build && npm --prefix ui run tauri -- build --debug --no-bundle --ci
//   cargo build -p integrations-fake-servers --bin fake-servers
//   cargo install tauri-driver --locked --version ^2
// Overrides: APP_BINARY, FAKE_SERVERS_BIN, TAURI_DRIVER (paths). Needs E2E_CLI and
// TEST_DATABASE_URL (scripts/desktop-e2e.sh sets both).
//
// Flow: first run (embedded database) → create a workspace → connect Pancake with a one-shop key
// (auto-created, named after the shop) → add another store with a three-shop key (choose one) →
// enable it (stores are created switched off) → test its connection → disable it → delete it →
// the analytics page, empty → the workspace's time zone changed in Settings, followed by it →
// About (version and commit as the app's `--version`, folders, the logs folder opened) →
// start at login on and off → Meta Ads connected and both synced from the fakes → a campaign
// assigned to the store on the Campaigns page, and the store's report gets that campaign's spend
// → the window closed into the tray and opened again by a second launch: still signed in
// → (after the updates, when offered) a shared workspace made with `integrations admin` on the
// test PostgreSQL (TEST_DATABASE_URL), a store added to it by a colleague's CLI, then the app
// started fresh joins it with the code pasted on the first-run screen, signs in, lists that
// store, and leaves it from Settings (back on a first-run card with no empty band in it).
//
// About must name the build `integration-manager --version` (the app binary driven) prints;
// with E2E_CLI set (scripts/desktop-e2e.sh sets it), `integrations --version` the same version.
// With the installed package (scripts/installed-e2e.sh sets E2E_INSTALLED, E2E_HOME, E2E_CLI and
// E2E_UPDATE_*), also updates, served over HTTPS from 127.0.0.1 by this test: the check at start
// found no server (one log line, nothing on screen); a tampered bundle and a foreign signature
// are refused while this version keeps running; the signed update is installed, the app restarts
// into it, and the new version opens on the same data.
// Screenshots go to e2e-desktop/screenshots/ (emptied at the start of each run).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
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
/** The installed package: the app keeps its files under E2E_HOME as a user's would. */
const INSTALLED = process.env.E2E_INSTALLED === '1';
/** `integrations`, whose --version the About section must agree with (optional). */
const CLI = process.env.E2E_CLI;
/** The update to offer (a signed package of the next version) and its signatures. */
const UPDATE = process.env.E2E_UPDATE_PACKAGE
  ? {
      package: process.env.E2E_UPDATE_PACKAGE,
      version: process.env.E2E_UPDATE_VERSION,
      signature: readFileSync(process.env.E2E_UPDATE_SIGNATURE, 'utf8').trim(),
      foreignSignature: readFileSync(process.env.E2E_UPDATE_FOREIGN_SIGNATURE, 'utf8').trim(),
    }
  : null;
const IDENTIFIER = 'vn.integrationmanager.desktop';

/** How long one UI state may take to appear (the app's first start creates the database). */
const UI_TIMEOUT = 20_000;
const STEP_TIMEOUT = 60_000;

const WORKSPACE = 'Cửa hàng E2E';
const EMAIL = 'owner@e2e.test';
const PASSWORD = 'correct horse battery';
const FIRST_SHOP = 'Shop thời trang';
const SECOND_SHOP = 'Mỹ phẩm Hà Nội';
const AD_ACCOUNT = 'Shop thời trang - Quảng cáo';
/** The fake ad account's first campaign: it runs all 30 days, and the fashion shop's orders name its ads. */
const CAMPAIGN = 'Khuyến mãi hè';
/** The shared workspace the operator makes on the test PostgreSQL, and the store in it. */
const SHARED_WORKSPACE = 'Chuỗi cửa hàng chung';
const SHARED_EMAIL = 'chu@chung.vn';
const SHARED_PASSWORD = 'mật khẩu chung dài';
const SHARED_SHOP = 'Kho chung Sài Gòn';

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
  // History ending now, so the app's "last 30 days" shows it: 30 days let all three campaigns
  // of the fake ad account run, and 200 orders give the fashion shop's ads some sales.
  const child = spawn(FAKE_SERVERS, ['--orders-per-shop', '200', '--days', '30', '--end', 'now'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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

/** A CA and a certificate for 127.0.0.1 signed by it (the app trusts the CA by SSL_CERT_FILE). */
function makeCertificates(dir) {
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const file = (name) => join(dir, name);
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=Integration Manager test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'));
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-days', '2', '-extfile', file('server.ext'), '-out', file('server.pem'));
  return { ca: file('ca.pem'), key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')) };
}

/**
 * The update server: `/latest.json` announces UPDATE.version for this platform's .deb with the
 * signature of the current scenario, `/update.deb` serves the package (one byte flipped when
 * tampered). Listens on `port` over HTTPS once started.
 */
function updateServer(tls, port) {
  const genuine = readFileSync(UPDATE.package);
  const state = { scenario: 'genuine', manifests: 0, downloads: 0 };
  const origin = `https://127.0.0.1:${port}`;
  const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    if (request.url === '/latest.json') {
      state.manifests += 1;
      const signature = state.scenario === 'foreign' ? UPDATE.foreignSignature : UPDATE.signature;
      const entry = { url: `${origin}/update.deb`, signature };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({
        version: UPDATE.version,
        notes: 'Đồng bộ nhanh hơn.\nFaster sync for every store.',
        pub_date: '2026-01-01T00:00:00Z',
        platforms: { 'linux-x86_64-deb': entry, 'linux-x86_64': entry },
      }));
    } else if (request.url === '/update.deb') {
      state.downloads += 1;
      const body = Buffer.from(genuine);
      if (state.scenario === 'tampered') body[body.length - 100] ^= 0x01;
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      response.end(body);
    } else {
      response.writeHead(404).end();
    }
  });
  return {
    state,
    start: async () => {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    stop: async () => {
      if (!server.listening) return;
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Processes running `binary` whose environment names `marker` (this test's own). */
function appProcesses(binary, marker) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`) !== binary) continue;
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) continue;
      found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function installedVersion(name) {
  return execFileSync('dpkg-query', ['-W', '-f=${Version}', name], { encoding: 'utf8' }).trim();
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
  let updates;
  let driverPort;
  /** The app's environment for this run (the join step starts it again with fresh folders). */
  let appEnv;

  /** tauri-driver on fresh ports; it starts the app with `env` for each session. */
  const startDriver = async (env) => {
    const port = await freePort();
    let nativePort = await freePort();
    while (nativePort === port) nativePort = await freePort();
    driverLog = join(tmp, `tauri-driver-${port}.log`);
    const log = createWriteStream(driverLog);
    driver = spawn(TAURI_DRIVER, ['--port', String(port), '--native-port', String(nativePort)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    driver.stdout.pipe(log);
    driver.stderr.pipe(log);
    await waitForDriver(port, driver, driverLog);
    driverPort = port;
  };

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
  const step = (name, fn, { skip = false } = {}) =>
    it(name, { timeout: STEP_TIMEOUT, skip }, async (t) => {
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
    // WebKit answers a screenshot after the page's next paint. Without accelerated compositing
    // (the app turns it off, WEBKIT_DISABLE_COMPOSITING_MODE) a page with nothing changing never
    // paints again and the command waits for ever: one pixel in the corner changes shade (1–2 %
    // black, invisible, nothing else moves) at every frame until the picture is taken. A change
    // between two transparent colours was not enough to make it paint.
    await browser.execute(() => {
      const pixel = document.createElement('div');
      pixel.setAttribute('aria-hidden', 'true');
      pixel.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';
      document.body.append(pixel);
      let frame = 0;
      const repaint = () => {
        frame += 1;
        pixel.style.background = `rgba(0,0,0,${frame % 2 ? 0.01 : 0.02})`;
        pixel.dataset.frame = String(requestAnimationFrame(repaint));
      };
      repaint();
      window.__e2eStopRepainting = () => {
        cancelAnimationFrame(Number(pixel.dataset.frame));
        pixel.remove();
      };
    });
    try {
      await browser.saveScreenshot(file);
    } finally {
      await browser.execute(() => window.__e2eStopRepainting?.());
    }
    return file;
  };

  /** Dismisses the toasts earlier steps left, so a picture of a section shows all of it. */
  const dismissToasts = async () => {
    // One at a time, found afresh: each one dismissed (or timed out) re-renders the others.
    const first = () => browser.$(`//*[@role='region'][@aria-label='Notifications']//button[@aria-label='Dismiss notification']`);
    await browser.waitUntil(
      async () => {
        const dismiss = first();
        if (!(await dismiss.isExisting())) return true;
        await dismiss.click().catch(() => undefined); // gone on its own in between
        return false;
      },
      { timeout: UI_TIMEOUT, interval: 100, timeoutMsg: 'the toasts did not go when dismissed' },
    );
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

  /** Waits for the switch `toggle` to be on (`checked`) or off; `timeoutMsg` says what failed. */
  const waitChecked = (toggle, checked, timeoutMsg) =>
    browser.waitUntil(async () => (await toggle.getAttribute('aria-checked')) === String(checked), { timeout: UI_TIMEOUT, timeoutMsg });

  /**
   * Waits for `element`'s text to be `expected` (as it is, or with its line breaks and runs of
   * white space read as one space); the failure names the last text seen, not the first.
   */
  const waitText = async (element, expected, what) => {
    await element.waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: `${what} never appeared` });
    let seen = '?';
    const matches = async () => {
      seen = (await element.getText()).trim();
      return seen === expected || seen.replace(/\s+/g, ' ') === expected;
    };
    await browser
      .waitUntil(matches, { timeout: UI_TIMEOUT })
      .catch(() => {
        throw new Error(`${what}: expected "${expected}", saw "${seen}"`);
      });
  };

  /** As `waitText`, with the element's text content (what the page holds, shown or cut). */
  const waitContent = async (element, expected, what) => {
    await element.waitForExist({ timeout: UI_TIMEOUT, timeoutMsg: `${what} never appeared` });
    let seen = '?';
    await browser
      .waitUntil(async () => (seen = String(await element.getProperty('textContent')).trim()) === expected, {
        timeout: UI_TIMEOUT,
      })
      .catch(() => {
        throw new Error(`${what}: expected "${expected}", saw "${seen}"`);
      });
  };

  before(async () => {
    for (const [what, path] of [['app (APP_BINARY)', APP], ['fake-servers (FAKE_SERVERS_BIN)', FAKE_SERVERS], ['tauri-driver (TAURI_DRIVER)', TAURI_DRIVER]])
      if (!existsSync(path)) throw new Error(`${what} not found at ${path}; see the build steps at the top of this file.`);
    if (!process.env.DISPLAY) throw new Error('No DISPLAY: run through scripts/desktop-e2e.sh (xvfb-run).');

    rmSync(screenshotDir, { recursive: true, force: true }); // only this run's pictures
    mkdirSync(screenshotDir, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'im-desktop-e2e-'));
    home = INSTALLED ? resolve(process.env.E2E_HOME) : join(tmp, 'home');
    mkdirSync(home, { recursive: true });
    // As a user's: under $HOME for the installed package; in this run's folders otherwise.
    paths.data = INSTALLED ? join(home, '.local', 'share', IDENTIFIER) : join(tmp, 'data');
    paths.logs = join(INSTALLED ? join(home, '.local', 'share') : join(tmp, 'xdg-data'), IDENTIFIER, 'logs');
    paths.appLog = join(paths.logs, 'Integration Manager.log');
    paths.autostart = join(home, '.config', 'autostart', 'Integration Manager.desktop');
    // "Open logs folder" runs xdg-open: this one writes down what it was asked to open.
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    paths.opened = join(tmp, 'opened.txt');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${paths.opened}'\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);

    fake = await startFakeServers();

    // Reserved now, listened on later: the check at start finds nobody there (offline).
    const updatePort = await freePort();
    const env = {
      ...process.env,
      HOME: home,
      PATH: `${bin}:${process.env.PATH}`,
      INTEGRATIONS_NO_KEYCHAIN: '1',
      PANCAKE_POS_BASE_URL: fake.urls.pancake_base_url,
      META_GRAPH_BASE_URL: fake.urls.meta_base_url,
      INTEGRATIONS_UPDATE_ENDPOINT: UPDATE ? `https://127.0.0.1:${updatePort}/latest.json` : '',
      // The UI follows the system language; the assertions read the English strings.
      LANG: 'C.UTF-8',
      LANGUAGE: 'en',
      LC_ALL: 'C.UTF-8',
    };
    for (const name of ['DATABASE_URL', 'INTEGRATIONS_MASTER_KEY', 'INTEGRATIONS_DATA_DIR', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME'])
      delete env[name];
    if (!INSTALLED) {
      for (const dir of ['data', 'xdg-data', 'xdg-config', 'xdg-cache']) mkdirSync(join(tmp, dir));
      Object.assign(env, {
        INTEGRATIONS_DATA_DIR: join(tmp, 'data'),
        XDG_DATA_HOME: join(tmp, 'xdg-data'),
        XDG_CONFIG_HOME: join(tmp, 'xdg-config'),
        XDG_CACHE_HOME: join(tmp, 'xdg-cache'),
      });
      // Start at login writes under $HOME/.config whatever XDG says.
    }
    if (UPDATE) {
      const tls = makeCertificates(tmp);
      env.SSL_CERT_FILE = tls.ca;
      delete env.SSL_CERT_DIR;
      updates = updateServer(tls, updatePort);
    }
    appEnv = env;
    await startDriver(env);
    browser = await openSession();
  });

  after(async () => {
    if (failed && driverLog) console.error(`--- tauri-driver log (tail) ---\n${tail(driverLog)}`);
    if (failed && paths.appLog && existsSync(paths.appLog)) console.error(`--- app log (tail) ---\n${tail(paths.appLog)}`);
    await browser?.deleteSession().catch((error) => console.error(`deleteSession: ${error.message}`));
    // An app the update restarted outside WebDriver's reach.
    for (const pid of tmp ? appProcesses(APP, tmp) : []) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await updates?.stop();
    await stopProcess(driver); // SIGTERM also ends WebKitWebDriver
    await stopProcess(fake?.child);
    if (shared.database) dropSharedDatabase(shared.database);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** What WebDriver cannot do with the app's X window: close it, or wait until it is shown. */
  const x11Window = (action) =>
    execFileSync('/usr/bin/python3', [join(here, 'x11-window.py'), action, 'Integration Manager', '15'], {
      env: appEnv,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  /**
   * The empty band under the first-run card's storage choice, in px: none is expected. A card
   * rendered into a window already shown is laid out once, and WebKitGTK made a fieldset that is
   * an item of a flex column a legend taller then (a gap above Continue).
   */
  const bandUnderStorageChoice = () =>
    browser.execute(() => {
      const choice = document.querySelector('main form fieldset');
      return choice.getBoundingClientRect().bottom - choice.lastElementChild.getBoundingClientRect().bottom;
    });
  const appLogText = () => (existsSync(paths.appLog) ? readFileSync(paths.appLog, 'utf8') : '');

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
    // The window was created hidden; the page said its first screen was rendered, and the app
    // showed it then (or, past its timeout, anyway: the log says which).
    await browser.waitUntil(() => appLogText().includes('first screen rendered'), {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the page never told the app that its first screen was rendered',
    });
    x11Window('shown');
    if (appLogText().includes('window shown anyway')) console.warn('the window was shown by the timeout before the first screen');
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
    await waitChecked(toggle, true, 'the switch did not turn on');
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
    await waitChecked(toggle, false, 'the switch is still on');
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

  step('About: the version and commit of the app’s `--version`, the data and log folders', async () => {
    await openAbout();
    await browser.waitUntil(async () => (await aboutValue('version').getText()) !== '', {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the About section never showed a version',
    });
    const version = await aboutValue('version').getText();
    const commit = await aboutValue('commit').getText();
    assert.match(version, /^\d+\.\d+\.\d+/);
    assert.match(commit, /^([0-9a-f]{7,40}|unknown)$/);
    // The build being driven names itself: About must say the same. The CLI may come from a
    // later commit (built after the app), so only its version, which is the workspace's, must match.
    const built = execFileSync(APP, ['--version'], { encoding: 'utf8' }).trim();
    assert.equal(built, `integration-manager ${version} (commit ${commit})`, 'About names the build that runs');
    if (CLI) {
      const printed = execFileSync(CLI, ['--version'], { encoding: 'utf8' }).trim();
      assert.match(printed, /^integrations \S+ \(commit ([0-9a-f]{7,40}|unknown)\)$/);
      assert.equal(printed.split(' ')[1], version, 'the CLI and the app carry one version');
    }
    assert.equal(await aboutValue('data-dir').getText(), paths.data);
    assert.equal(await aboutValue('log-dir').getText(), paths.logs);
    await dismissToasts();
    await about().scrollIntoView({ block: 'end' });
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

    // The switch is near the top of a long page and the header is sticky: clicked where WebDriver
    // scrolls it (the window's top edge), the header would take the click.
    await toggle.scrollIntoView({ block: 'center' });
    await toggle.click();
    await waitChecked(toggle, true, 'the switch did not turn on');
    const entry = readFileSync(paths.autostart, 'utf8');
    assert.ok(entry.includes(`Exec=${APP} --autostart`), entry);

    await toggle.click();
    await waitChecked(toggle, false, 'the switch did not turn off');
    assert.equal(existsSync(paths.autostart), false, 'turning it off removes the entry');
  });

  step('Meta Ads connected and synced with the store, from the fake servers', async () => {
    await browser.$(`//nav//button[normalize-space()='Integrations']`).click();
    await row(FIRST_SHOP).waitForDisplayed({ timeout: UI_TIMEOUT });
    await button('Connect Meta Ads').click();
    await heading('Connect Meta Ads').waitForDisplayed({ timeout: UI_TIMEOUT });
    await byLabel('Access token').setValue('meta-one-account');
    await button('Create Integration').click();
    await toastWith(`Connected “${AD_ACCOUNT}”.`).waitForDisplayed({ timeout: UI_TIMEOUT });
    // Both switched on: the in-app scheduler syncs each at once.
    for (const name of [FIRST_SHOP, AD_ACCOUNT]) {
      const toggle = byLabel(`Enabled: ${name}`);
      await toggle.waitForDisplayed({ timeout: UI_TIMEOUT });
      await toggle.click();
      await toastWith(`Enabled “${name}”.`).waitForDisplayed({ timeout: UI_TIMEOUT });
    }
    for (const name of [FIRST_SHOP, AD_ACCOUNT]) {
      await browser.waitUntil(async () => !/Never/.test(await row(name).getText()), {
        timeout: STEP_TIMEOUT - 10_000,
        interval: 500,
        timeoutMsg: `${name} never finished a sync`,
      });
    }
  });

  step('campaigns: assigning one to the store moves its spend into the store’s report', async () => {
    // Before: nothing is assigned, so the store's report has no spend.
    await browser.$(`//nav//button[normalize-space()='Analytics']`).click();
    const store = browser.$(`//select[@id=//label[normalize-space()='Store']/@for]`);
    await store.waitForDisplayed({ timeout: UI_TIMEOUT });
    await browser.waitUntil(async () => (await store.$$('option').length) === 2, { timeout: UI_TIMEOUT });
    await store.selectByVisibleText(FIRST_SHOP);
    // The figure itself: WebKitWebDriver's element text leaves out the value of a total (it is
    // cut with an ellipsis when too long, and the visible-text rules skip it), so its rendered
    // text is read as the page has it.
    const spend = browser.$(`//*[@role='group'][@aria-label='Spend']/span[@title]`);
    await waitContent(spend, '₫0', "the store's spend before any assignment");
    await browser.$(`//*[@role='note']//*[contains(., 'of spend belongs to no store yet')]`).waitForDisplayed({ timeout: UI_TIMEOUT });

    await browser.$(`//nav//button[normalize-space()='Campaigns']`).click();
    await heading('Campaigns').waitForDisplayed({ timeout: UI_TIMEOUT });
    const card = browser.$(`//li[.//h2[normalize-space()=${xpathString(CAMPAIGN)}]]`);
    await card.waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: `no campaign "${CAMPAIGN}"` });
    const suggestion = card.$(`.//*[@data-testid='suggestion']`);
    await waitText(suggestion, `Suggested from ${await ordersIn(suggestion)} orders: ${FIRST_SHOP} 100%`, 'the suggestion');
    const campaignSpend = (await card.$(`.//*[@data-testid='campaign-spend']`).getText()).trim();
    assert.match(campaignSpend, /^₫[1-9][\d,]*$/, 'the campaign spent in the last 30 days');
    await screenshot('campaigns');
    await card.$(`.//button[normalize-space()='Confirm suggestion']`).click();
    await toastWith(`Saved “${CAMPAIGN}”`).waitForDisplayed({ timeout: UI_TIMEOUT });
    await waitText(card.$(`.//*[@data-testid='assignment']`), `Assigned${FIRST_SHOP} 100%`, 'the assignment');

    // After: the store's report has exactly that campaign's spend of the same 30 days.
    await browser.$(`//nav//button[normalize-space()='Analytics']`).click();
    await store.waitForDisplayed({ timeout: UI_TIMEOUT });
    await store.selectByVisibleText(FIRST_SHOP);
    await waitContent(spend, campaignSpend, "the store's spend after the assignment");
    await screenshot('analytics-store-assigned');
  });

  step('closed into the tray and opened again by a second launch: still signed in', async () => {
    // Closing hides the window into the tray: the app keeps running. (Out of the tray it also
    // ends its web process, but not under WebDriver, whose session WebKit ends with it: the
    // startup benchmark, scripts/startup-bench.sh, covers that and the page coming back.)
    x11Window('close');
    await browser.waitUntil(() => existsSync(paths.appLog) && readFileSync(paths.appLog, 'utf8').includes('window closed to the tray'), {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the app never logged that its window went to the tray',
    });
    // A second launch (the tray's Open takes the same path) shows the running app's window.
    const second = spawn(APP, [], { env: appEnv, stdio: 'ignore' });
    const [code] = await once(second, 'exit');
    assert.equal(code, 0, 'the second launch hands over to the running app and exits');
    x11Window('shown');
    await browser.waitUntil(async () => (await browser.$('header').getText().catch(() => '')).includes(WORKSPACE), {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the reopened window is not signed in to the workspace',
    });
    await browser.$(`//nav//button[normalize-space()='Integrations']`).click();
    await row(FIRST_SHOP).waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'the reopened window lost the store' });
    await screenshot('reopened');
  });

  // Updates: only with a package to offer (scripts/installed-e2e.sh); reported as skipped
  // otherwise, never as passed.
  const updateStep = (name, fn) =>
    step(name, fn, { skip: UPDATE ? false : 'no update package to offer (scripts/installed-e2e.sh offers one)' });
  const updateLines = () =>
    existsSync(paths.appLog) ? readFileSync(paths.appLog, 'utf8').split('\n').filter((line) => line.includes('update check')) : [];
  const updatePanel = () => about().$(`.//*[@role='region'][@aria-label='Update']`);
  const checkForUpdate = async () => {
    await openAbout();
    await about().$(`.//button[normalize-space()='Check for updates']`).click();
    await updatePanel()
      .$(`.//h3[normalize-space()=${xpathString(`Version ${UPDATE.version} is available`)}]`)
      .waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: `version ${UPDATE.version} was not offered` });
  };
  const installAndExpectRefusal = async () => {
    const manifestsBefore = updates.state.downloads;
    await updatePanel().$(`.//button[normalize-space()='Install and restart']`).click();
    const alert = updatePanel().$(`.//*[@role='alert']`);
    await alert.waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'no message after the refused install' });
    const message = await alert.getText();
    assert.ok(message.includes(`The update to version ${UPDATE.version} was refused`), message);
    assert.ok(message.includes("its signature is not the release key's"), message);
    assert.ok(message.includes(`Nothing was installed; version ${await aboutValue('version').getText()} keeps running.`), message);
    assert.ok(updates.state.downloads > manifestsBefore, 'the bundle was downloaded before being refused');
    return message;
  };

  updateStep('offline at start: the update check failed quietly, one log line and nothing on screen', async () => {
    await browser.waitUntil(() => updateLines().length > 0, {
      timeout: UI_TIMEOUT,
      timeoutMsg: 'the check at start left no log line',
    });
    const lines = updateLines();
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /update check failed: Could not reach the update server: 127\.0\.0\.1 could not be reached/);
    assert.equal(await browser.$(`//*[contains(normalize-space(), 'is available')]`).isExisting(), false);
    assert.equal(await browser.$(`//*[@role='alert']`).isExisting(), false, 'no error on screen');
  });

  updateStep('a tampered update is refused with a clear message, and this version keeps running', async () => {
    await updates.start();
    updates.state.scenario = 'tampered';
    await checkForUpdate();
    const notes = await updatePanel().$('[data-testid="update-notes"]').getText();
    assert.ok(notes.includes('Đồng bộ nhanh hơn.') && notes.includes('Faster sync for every store.'), notes);
    await dismissToasts();
    await updatePanel().scrollIntoView({ block: 'end' });
    await screenshot('update-offered');
    const running = await aboutValue('version').getText();
    await installAndExpectRefusal();
    await dismissToasts();
    await updatePanel().scrollIntoView({ block: 'end' });
    await screenshot('update-refused');
    if (INSTALLED) assert.equal(installedVersion('integration-manager'), running, 'the package was not touched');
    // Still running and answering.
    assert.equal(await aboutValue('version').getText(), running);
  });

  updateStep('an update signed with another key is refused', async () => {
    updates.state.scenario = 'foreign';
    await checkForUpdate();
    await installAndExpectRefusal();
    if (INSTALLED) assert.notEqual(installedVersion('integration-manager'), UPDATE.version);
  });

  updateStep('the signed update is installed and the app restarts into it, on the same data', async () => {
    updates.state.scenario = 'genuine';
    await checkForUpdate();
    const before = new Set(appProcesses(APP, tmp));
    assert.equal(before.size, 1, 'one app running');
    await updatePanel().$(`.//button[normalize-space()='Install and restart']`).click();

    // The package manager replaces the package, then the app starts the new version itself
    // (outside WebDriver's reach) and exits.
    const deadline = Date.now() + 3 * 60_000;
    let restarted = [];
    while (Date.now() < deadline) {
      restarted = appProcesses(APP, tmp).filter((pid) => !before.has(pid));
      if (restarted.length > 0 && [...before].every((pid) => !existsSync(`/proc/${pid}`))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(restarted.length, 1, 'the app restarted once');
    if (INSTALLED) assert.equal(installedVersion('integration-manager'), UPDATE.version);
    await browser.deleteSession().catch(() => undefined);

    // WebDriver can only drive an app it started: end the restarted one, start it again.
    const [pid] = restarted;
    process.kill(pid, 'SIGTERM');
    while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    browser = await openSession();

    const signInTab = browser.$(`//*[@role='tab'][normalize-space()='Sign in']`);
    await signInTab.waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'the new version did not open on the sign-in screen' });
    if ((await signInTab.getAttribute('aria-selected')) !== 'true') await signInTab.click();
    const email = byLabel('Email');
    if ((await email.getValue()) !== EMAIL) await email.setValue(EMAIL);
    await byLabel('Password').setValue(PASSWORD);
    await browser.$(`//form[@aria-label='Sign in']//button[@type='submit']`).click();
    await row(FIRST_SHOP).waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'the store is gone after the update' });

    await openAbout();
    await waitText(aboutValue('version'), UPDATE.version, 'About after the update');
    await screenshot('updated');
  });

  // Joining a shared workspace: the operator makes one on the test PostgreSQL with
  // `integrations admin`, a colleague's computer (the CLI, joined with the same code) adds a
  // store, then the app is started fresh (new data folder, nothing configured), joins with the
  // code pasted on the first-run screen, signs in and sees that store; Settings › Leave takes it
  // back to the first-run screen and removes what joining kept.
  const shared = {};
  const cli = (args, { env, input } = {}) =>
    execFileSync(CLI, args, {
      encoding: 'utf8',
      input: input === undefined ? '' : `${input}\n`,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, INTEGRATIONS_NO_KEYCHAIN: '1', ...env },
    });

  step('a shared workspace is made on the server, and a colleague adds a store to it', async () => {
    assert.ok(CLI, 'E2E_CLI (the `integrations` binary) is needed to make the shared workspace');
    assert.ok(process.env.TEST_DATABASE_URL, 'TEST_DATABASE_URL (scripts/ensure-postgres.sh prints it)');
    shared.database = `it_${randomBytes(16).toString('hex')}`;
    psql(`CREATE DATABASE ${shared.database}`);
    const ownerUrl = new URL(process.env.TEST_DATABASE_URL);
    ownerUrl.pathname = `/${shared.database}`;
    const operator = {
      DATABASE_URL: ownerUrl.toString(),
      INTEGRATIONS_MASTER_KEY: randomBytes(32).toString('base64'),
      INTEGRATIONS_DATA_DIR: join(tmp, 'operator'),
    };
    mkdirSync(operator.INTEGRATIONS_DATA_DIR);
    cli(['--json', 'admin', 'init'], { env: operator });
    const printed = cli(['admin', 'create-workspace', '--name', SHARED_WORKSPACE, '--owner-email', SHARED_EMAIL], {
      env: operator,
      input: SHARED_PASSWORD,
    });
    shared.code = printed.trim().split('\n').at(-1);
    assert.match(shared.code, /^imc1\./, 'the code is the last line');

    const colleague = {
      INTEGRATIONS_DATA_DIR: join(tmp, 'colleague'),
      PANCAKE_POS_BASE_URL: fake.urls.pancake_base_url,
      META_GRAPH_BASE_URL: fake.urls.meta_base_url,
    };
    mkdirSync(colleague.INTEGRATIONS_DATA_DIR);
    cli(['--json', 'join'], { env: colleague, input: shared.code });
    cli(['--json', 'sign-in', '--email', SHARED_EMAIL], { env: colleague, input: SHARED_PASSWORD });
    const created = JSON.parse(
      cli(['--json', 'create', '--provider', 'PANCAKE_POS', '--shop-id', '7012345', '--name', SHARED_SHOP], {
        env: colleague,
        input: 'three-shops',
      }),
    );
    assert.equal(created.name, SHARED_SHOP);
  });

  step('the app started fresh joins with the pasted code and names the workspace at sign-in', async () => {
    // A new computer: its own folders, nothing chosen yet, no database URL and no master key.
    await browser.deleteSession().catch(() => undefined);
    await stopProcess(driver);
    const fresh = join(tmp, 'joined');
    paths.joined = join(fresh, 'data');
    for (const dir of ['home', 'data', 'xdg-data', 'xdg-config', 'xdg-cache']) mkdirSync(join(fresh, dir), { recursive: true });
    const env = {
      ...appEnv,
      HOME: join(fresh, 'home'),
      INTEGRATIONS_DATA_DIR: paths.joined,
      XDG_DATA_HOME: join(fresh, 'xdg-data'),
      XDG_CONFIG_HOME: join(fresh, 'xdg-config'),
      XDG_CACHE_HOME: join(fresh, 'xdg-cache'),
      INTEGRATIONS_UPDATE_ENDPOINT: '',
    };
    await startDriver(env);
    browser = await openSession();

    await heading('Welcome to Integration Manager').waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'no first-run screen' });
    // Quitting here answers nothing, though this start opened the embedded database: the next
    // start asks again (a second instance would only hand over to a first one still running).
    await browser.deleteSession().catch(() => undefined);
    const quit = async () => {
      const deadline = Date.now() + 10_000;
      while (appProcesses(APP, paths.joined).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      return appProcesses(APP, paths.joined).length === 0;
    };
    if (!(await quit())) {
      for (const pid of appProcesses(APP, paths.joined)) process.kill(pid, 'SIGTERM');
      assert.ok(await quit(), 'the app quit');
    }
    assert.ok(existsSync(join(paths.joined, 'integrations.db')), 'the first start opened the embedded database');
    browser = await openSession();
    await heading('Welcome to Integration Manager').waitForDisplayed({
      timeout: UI_TIMEOUT,
      timeoutMsg: 'quitting on the first-run screen skipped it at the next start',
    });
    const joinChoice = browser.$(`//label[.//span[normalize-space()='Join a shared workspace']]//input[@type='radio']`);
    await joinChoice.click();
    await byLabel('Connection code').setValue(shared.code);
    await screenshot('join-code');
    await button('Join workspace').click();

    await heading(`Sign in to ${SHARED_WORKSPACE}`).waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'the sign-in screen does not name the workspace' });
    assert.equal(await browser.$(`//*[@role='tab'][normalize-space()='Create workspace']`).isExisting(), false,
      'workspaces are the operator\'s to make');
    assert.ok(!(await browser.getPageSource()).includes(shared.code), 'the code is on no screen after joining');
    const kept = readdirSync(paths.joined);
    assert.ok(kept.some((name) => name.startsWith('workspace')), `joining kept the code: ${kept}`);
  });

  step('signed in with email and password, the app shows the store the colleague added', async () => {
    await byLabel('Email').setValue(SHARED_EMAIL);
    await byLabel('Password').setValue(SHARED_PASSWORD);
    await browser.$(`//form[@aria-label='Sign in']//button[@type='submit']`).click();
    await row(SHARED_SHOP).waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'the workspace\'s store is not listed' });
    await waitText(storeCount(), '1 store connected', 'Pancake card');
    assert.ok((await browser.$('header').getText()).includes(SHARED_WORKSPACE), 'the header names the workspace');
    await screenshot('joined');
  });

  step('Settings names the workspace and its server; Leave goes back to the first-run screen', async () => {
    await button('⚙ Settings').click();
    await heading('Shared workspace').waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'no Shared workspace card' });
    assert.equal(await browser.$('[data-testid="joined-workspace"]').getText(), SHARED_WORKSPACE);
    assert.ok((await browser.$('[data-testid="joined-server"]').getText()).endsWith(`/${shared.database}`));
    const leave = button('Leave this workspace');
    await leave.scrollIntoView({ block: 'center' });
    await screenshot('joined-settings');
    await leave.click();
    const dialog = browser.$(`//*[@role='alertdialog']`);
    await dialog.waitForDisplayed({ timeout: UI_TIMEOUT });
    await dialog.$(`.//button[normalize-space()='Leave this workspace']`).click();

    await heading('Welcome to Integration Manager').waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'leaving did not return to the first-run screen' });
    const band = await bandUnderStorageChoice();
    assert.ok(band < 1, `an empty band of ${band} px under the storage choice`);
    const left = readdirSync(paths.joined).filter((name) => name.startsWith('workspace') || name.startsWith('mirror'));
    assert.deepEqual(left, [], 'leaving removes the code and the local copy');
    await screenshot('left');
  });
});

/** The order count a suggestion names ("Suggested from 12 orders: …"). */
async function ordersIn(element) {
  await element.waitForDisplayed({ timeout: UI_TIMEOUT, timeoutMsg: 'no suggestion from the orders' });
  return (await element.getText()).match(/from ([\d,]+) orders?/)?.[1] ?? '?';
}

/** Runs SQL on the test server as its ordinary test role (scripts/ensure-postgres.sh). */
function psql(sql) {
  return execFileSync('psql', [process.env.TEST_DATABASE_URL, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Drops a database this test made, and the roles `admin init` made for it (named after it). */
function dropSharedDatabase(name) {
  psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  const roles = psql(
    `SELECT rolname FROM pg_roles WHERE rolname LIKE '${name}\\_%' ORDER BY rolname LIKE '%\\_w\\_%' DESC`,
  ).split('\n').filter(Boolean);
  for (const role of roles) psql(`DROP ROLE IF EXISTS "${role}"`);
}

/** An XPath string literal for any text (quotes included). */
function xpathString(text) {
  if (!text.includes("'")) return `'${text}'`;
  if (!text.includes('"')) return `"${text}"`;
  return `concat('${text.split("'").join(`', "'", '`)}')`;
}
