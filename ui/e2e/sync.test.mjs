// Browser tests of syncing against the fake core: "Sync now" and "Sync all now" ask the
// scheduler, the rows show each run's progress as `sync_activity` reports it, a finished run is
// announced and lands in the history with its counts; a refused credential fails the run and
// puts the integration in ERROR. Offline, syncing is refused but the history still reads.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VIETNAM, calls, closeClean, eventually, fake, fourIntegrations, openApp, openSignedIn, prefs, publishShot, role, row, shot, signedIn, signedInSuite, useHarness, vietnamView } from './harness.mjs';

const harness = useHarness();

/** A run takes about six polls a second apart; this only ends a run that never finishes. */
const RUN_MS = 60_000;

const seed = ({ metaSecret, ...extra } = {}) => signedIn(fourIntegrations({ metaSecret }), extra);

/** The four integrations, the list in English, the time in Vietnam. */
const inEnglish = { seed: seed({ prefs: prefs() }), timezoneId: VIETNAM };

const seededRuns = [
  { name: 'Shop thời trang', trigger: 'SCHEDULE', startedAt: '2025-06-02T08:14:21Z', finishedAt: '2025-06-02T08:15:00Z',
    counts: { orders: 1234, variations: 86, stock: 172 } },
  { name: 'Shop thời trang', trigger: 'MANUAL', outcome: 'FAILED', startedAt: '2025-06-02T07:10:02Z', finishedAt: '2025-06-02T07:10:31Z',
    counts: { orders: 300 }, error: 'Pancake POS did not answer in time (HTTP 504). The next run tries again.', errorCode: 'PROVIDER_UNAVAILABLE' },
  { name: 'Shop thời trang', trigger: 'SCHEDULE', startedAt: '2025-06-02T06:14:00Z', finishedAt: '2025-06-02T06:16:05Z',
    counts: { orders: 2480, variations: 412, stock: 824 } },
];

describe('Sync now, one store', () => {
  let page;
  let problems;
  signedInSuite(harness, inEnglish, (opened) => {
    ({ page, problems } = opened);
  });

  it('cannot sync an integration that is turned off, and says why', async () => {
    const button = role(page, 'button', 'Sync now: Mỹ phẩm Hà Nội');
    assert.ok(await button.isDisabled());
    assert.equal(await button.getAttribute('title'), 'Turn it on to sync');
    assert.ok(await role(page, 'button', 'Sync now: Shop thời trang').isEnabled());
  });

  it('shows the run’s progress in the row, then a toast and the new last sync', async () => {
    const shop = row(page, /^Shop thời trang Cửa hàng/);
    assert.match(await shop.textContent(), /Jun 2, 2025, 3:15\sPM/);
    await role(page, 'button', 'Sync now: Shop thời trang').click();
    const bar = shop.getByRole('progressbar', { name: 'Syncing Shop thời trang' });
    await bar.waitFor();
    await shop.getByRole('button', { name: 'Syncing Shop thời trang' }).waitFor();
    assert.ok(await shop.getByRole('button', { name: 'Syncing Shop thời trang' }).isDisabled());
    // The orders pages go by, counted as they are written.
    await shop.getByText('· 300 records').waitFor({ timeout: RUN_MS });
    assert.equal(await bar.getAttribute('aria-valuetext'), 'Orders: 300 records');
    assert.equal(await bar.getAttribute('aria-valuenow'), '2');
    assert.equal(await bar.getAttribute('aria-valuemax'), '3');
    await page.getByText('Synced “Shop thời trang”: 540 records.').waitFor({ timeout: RUN_MS });
    await bar.waitFor({ state: 'detached' });
    await eventually(async () => !/Jun 2, 2025/.test(await shop.textContent()));
    assert.equal(await shop.getByRole('button', { name: 'Sync now: Shop thời trang' }).isEnabled(), true);
    // The other rows never started.
    assert.equal(await page.getByRole('progressbar').count(), 0);
    const asked = await calls(page, 'sync_now');
    assert.equal(asked.length, 1);
  });

  it('lists the run in the history with its counts, and changes the interval', async () => {
    await role(page, 'button', 'Dismiss notification').click();
    await role(page, 'button', 'Sync history: Shop thời trang').click();
    const dialog = role(page, 'dialog', 'Sync history');
    await dialog.waitFor();
    await dialog.getByText('Shop thời trang · Pancake POS').waitFor();
    const runs = dialog.getByRole('table', { name: 'Recent runs' });
    const first = runs.getByRole('row').nth(1);
    await first.waitFor();
    // The next run an hour from now: a time, and the date too when that is already tomorrow
    // (the tests run at any hour; Vietnam's 23:00–24:00 is 16:00–17:00 UTC).
    assert.match(
      await dialog.getByTestId('schedule-summary').textContent(),
      /^Every 60 minutes · next at ([A-Z][a-z]{2} \d{1,2}, \d{4}, )?\d{1,2}:\d\d\s[AP]M$/,
    );
    const text = await first.textContent();
    assert.match(text, /Manual/);
    assert.match(text, /Succeeded/);
    assert.match(text, /Orders 450/);
    assert.match(text, /Products 30/);
    assert.match(text, /Stock 60/);
    assert.match(text, /\d+ s/);

    await dialog.getByLabel('Sync every').selectOption('180');
    await page.getByText('“Shop thời trang” now syncs every 3 hours.').waitFor();
    assert.match(await dialog.getByTestId('schedule-summary').textContent(), /^Every 3 hours · next at/);
    assert.deepEqual(await calls(page, 'set_sync_interval'), [{ id: 'int-1', minutes: 180 }]);
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(problems, []);
  });
});

describe('Sync all now', () => {
  it('asks every enabled integration, shows each run, and announces each end', async () => {
    const { page, problems } = await openSignedIn(harness.browser, {
      seed: seed({ prefs: prefs('en', 'dark') }),
      timezoneId: VIETNAM,
    });
    await role(page, 'button', 'Sync all now').click();
    await page.getByText('Syncing 3 integrations…').waitFor();
    await eventually(async () => (await page.getByRole('table').getByRole('progressbar').count()) === 3, RUN_MS);
    // The Meta card shows its run too, and the store chips spin.
    await page.getByRole('region', { name: 'Meta Ads' }).getByRole('progressbar').waitFor();
    assert.equal(await page.getByTestId('chip-syncing').count(), 2);
    await shot(page, '22-sync-all-dark');
    for (const message of [
      'Synced “Shop thời trang”: 540 records.',
      'Synced “Giày dép Sài Gòn”: 540 records.',
      'Synced “Shop thời trang Ads”: 252 records.',
    ])
      await page.getByText(message).waitFor({ timeout: RUN_MS });
    await eventually(async () => (await page.getByRole('progressbar').count()) === 0);
    const runs = await page.evaluate(() => window.__fakeCore.state.runs.map((r) => [r.integrationId, r.outcome, r.counts]));
    assert.deepEqual(runs, [
      ['int-1', 'SUCCEEDED', { orders: 450, variations: 30, stock: 60 }],
      ['int-2', 'SUCCEEDED', { orders: 450, variations: 30, stock: 60 }],
      ['int-4', 'SUCCEEDED', { insights: 240, ads: 12 }],
    ]);
    await closeClean(page, problems);
  });
});

describe('an Edit left open across a sync', () => {
  let page;
  let problems;
  signedInSuite(harness, inEnglish, (opened) => {
    ({ page, problems } = opened);
  });

  it('saves after the run ends: the run’s outcome is no edit', async () => {
    await role(page, 'button', 'Sync now: Shop thời trang').click();
    await row(page, /^Shop thời trang Cửa hàng/).getByRole('progressbar', { name: 'Syncing Shop thời trang' }).waitFor();
    await role(page, 'button', 'Edit Shop thời trang').click();
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    await name.fill('Shop thời trang Quận 1');
    await page.getByText('Synced “Shop thời trang”: 540 records.').waitFor({ timeout: RUN_MS });
    await role(page, 'button', 'Save').click();
    await page.getByText('Saved “Shop thời trang Quận 1”.').waitFor();
    assert.equal(await page.getByRole('alert').count(), 0);
    const shop = row(page, /^Shop thời trang Quận 1/);
    await shop.waitFor();
    // The run's new last sync is kept beside the rename.
    assert.doesNotMatch(await shop.textContent(), /Jun 2, 2025/);
    const saved = await page.evaluate(() => window.__fakeCore.state.integrations[0]);
    assert.equal(saved.version, 2);
    assert.equal(saved.status, 'ACTIVE');
  });

  it('is still refused over someone else’s edit made while it was open', async () => {
    await role(page, 'button', 'Edit Shop thời trang Quận 1').click();
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    await page.getByLabel(/Description/).fill('Sửa từ máy này');
    await fake(page, 'editElsewhere', 'Shop thời trang Quận 1', { name: 'Shop thời trang (máy khác)' });
    await role(page, 'button', 'Save').click();
    await page.getByRole('alert').getByText(/Someone changed this integration while you were editing it/).waitFor();
    assert.equal(await page.evaluate(() => window.__fakeCore.state.integrations[0].description), 'Cửa hàng chính, Quận 1');
    await role(page, 'button', 'Cancel').click();
    assert.deepEqual(problems, []);
  });
});

describe('a refused credential', () => {
  it('fails the run, says why, and puts the integration in ERROR', async () => {
    const { page, problems } = await openApp(harness.browser, {
      seed: seed({ metaSecret: 'token-expired-5e6f', prefs: prefs() }),
      timezoneId: VIETNAM,
    });
    const card = page.getByRole('region', { name: 'Meta Ads' });
    await card.getByText('Active', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Sync now: Shop thời trang Ads' }).click();
    await card.getByRole('progressbar', { name: 'Syncing Shop thời trang Ads' }).waitFor();
    await page
      .getByText('Sync of “Shop thời trang Ads” failed: Meta rejected the access token (it may have expired).')
      .waitFor({ timeout: RUN_MS });
    await card.getByText('Error', { exact: true }).waitFor();
    const meta = row(page, 'Shop thời trang Ads');
    await meta.getByText('Error', { exact: true }).waitFor();
    await meta
      .getByText('Meta rejected the access token (it may have expired). Reconnect this integration with new credentials.')
      .waitFor();
    // The last successful sync stays what it was.
    assert.match(await meta.textContent(), /Jun 2, 2025, 3:00\sPM/);

    await meta.getByRole('button', { name: 'Sync history: Shop thời trang Ads' }).click();
    const dialog = role(page, 'dialog', 'Sync history');
    const first = dialog.getByRole('table', { name: 'Recent runs' }).getByRole('row').nth(1);
    await first.waitFor();
    const text = await first.textContent();
    assert.match(text, /Failed/);
    assert.match(text, /Ad insights 60/);
    assert.match(text, /Meta rejected the access token \(it may have expired\)\./);
    assert.equal(await first.getByText(/Meta rejected/).getAttribute('title'), 'PROVIDER_AUTH_REJECTED');
    await shot(page, '23-sync-failed-history');
    await closeClean(page, problems);
  });
});

describe('offline', () => {
  it('refuses to sync with the offline reason, and still shows the history from the mirror', async () => {
    const { page, problems } = await openApp(harness.browser, {
      seed: seed({ shared: true, link: 'OFFLINE', mirrorAsOf: '2025-06-02T08:15:00Z', runs: seededRuns,
        prefs: prefs() }),
      timezoneId: VIETNAM,
    });
    await page.getByTestId('connectivity').getByText(/^Offline/).waitFor();
    const metaCard = page.getByRole('region', { name: 'Meta Ads' });
    for (const button of [
      role(page, 'button', 'Sync all now'),
      role(page, 'button', 'Sync now: Shop thời trang'),
      metaCard.getByRole('button', { name: 'Sync now: Shop thời trang Ads' }),
      row(page, 'Shop thời trang Ads').getByRole('button', { name: 'Sync now: Shop thời trang Ads' }),
    ]) {
      const name = await button.getAttribute('aria-label') ?? 'Sync all now';
      assert.ok(await button.isDisabled(), `${name} is disabled`);
      assert.equal(await button.getAttribute('title'), 'Needs the server — you are offline');
    }
    await role(page, 'button', 'Sync history: Shop thời trang').click();
    const dialog = role(page, 'dialog', 'Sync history');
    const runs = dialog.getByRole('table', { name: 'Recent runs' });
    await runs.waitFor();
    assert.equal(await runs.getByRole('row').count(), 4);
    assert.match(await runs.getByRole('row').nth(1).textContent(), /Orders 1,234/);
    assert.match(await runs.getByRole('row').nth(2).textContent(), /Failed.*Pancake POS did not answer in time/);
    const interval = dialog.getByLabel('Sync every');
    assert.ok(await interval.isDisabled());
    await dialog.getByText('Needs the server — you are offline').waitFor();
    assert.ok(await dialog.getByRole('button', { name: 'Sync now: Shop thời trang' }).isDisabled());
    await closeClean(page, problems);
  });
});

describe('in Vietnamese', () => {
  it('shows a run in progress and the history dialog (screenshot for the docs)', async () => {
    const { page, problems } = await openSignedIn(harness.browser, vietnamView(seed({ runs: seededRuns, prefs: prefs('vi') }), 800));
    // The run stops after two pages of orders, so the picture always shows it half way.
    await fake(page, 'holdSyncs', 2);
    await role(page, 'button', 'Đồng bộ ngay: Shop thời trang').click();
    const shop = row(page, /^Shop thời trang Cửa hàng/);
    await shop.getByText('Đơn hàng').waitFor({ timeout: RUN_MS });
    await shop.getByText('· 300 bản ghi').waitFor({ timeout: RUN_MS });
    await shot(page, '24-sync-vi-list', { fullPage: false });
    await role(page, 'button', 'Lịch sử đồng bộ: Shop thời trang').click();
    const dialog = role(page, 'dialog', 'Lịch sử đồng bộ');
    const runs = dialog.getByRole('table', { name: 'Các lần đồng bộ gần đây' });
    await runs.waitFor();
    assert.equal(await dialog.getByTestId('schedule-summary').textContent(), 'Mỗi 60 phút · đang đồng bộ');
    await dialog.getByRole('progressbar', { name: 'Đang đồng bộ Shop thời trang' }).waitFor();
    await eventually(async () => /Đang chạy/.test(await runs.getByRole('row').nth(1).textContent()));
    assert.match(await runs.getByRole('row').nth(2).textContent(), /15:14\s2 thg 6, 2025.*Theo lịch.*Thành công.*Đơn hàng 1\.234.*Sản phẩm 86.*Tồn kho 172/);
    assert.match(await runs.getByRole('row').nth(3).textContent(), /Thủ công.*Thất bại/);
    // The picture shows no toasts: each leaves by itself a few seconds after it came.
    await eventually(async () => (await page.locator('.toast').count()) === 0);
    await shot(page, '25-sync-vi', { fullPage: false });
    publishShot('25-sync-vi', 'sync.png');

    await fake(page, 'releaseSyncs');
    await page.getByText('Đã đồng bộ “Shop thời trang”: 540 bản ghi.').waitFor({ timeout: RUN_MS });
    await eventually(async () => /Thủ công.*Thành công.*Đơn hàng 450/.test(await runs.getByRole('row').nth(1).textContent()));
    assert.match(
      await dialog.getByTestId('schedule-summary').textContent(),
      /^Mỗi 60 phút · lần tới lúc \d\d:\d\d( \d{1,2} thg \d{1,2}, \d{4})?$/,
    );
    await closeClean(page, problems);
  });
});
