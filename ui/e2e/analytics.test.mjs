// Browser tests of the analytics dashboard against the fake core (its report is summed from a
// fixed fixture: three campaigns of a VND ad account, two stores). The browser's clock is fixed
// at 2026-11-24T18:30Z, which is already 25 November in Vietnam: the ranges must end on the
// 25th whatever the computer's own time zone says (here Los Angeles, still the 24th).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VIETNAM, calls, closeClean, eventually, openApp, openSignedIn, prefs, publishShot, role, shot, signedIn, signedInSuite, useHarness, vietnamView } from './harness.mjs';

const harness = useHarness();

const NOW = new Date('2026-11-24T18:30:00Z');
const lastQuery = async (page) => (await calls(page, 'report')).at(-1)?.query;
const kpi = async (page, name) => (await role(page, 'group', name).textContent()).slice(name.length);
const rowHeaders = (page) => page.getByRole('table').locator('tbody th .row-name').allTextContents();

const seed = (extra = {}) =>
  signedIn(
    [
      { provider: 'PANCAKE_POS', name: 'Cửa hàng Hà Nội', description: 'Phố Huế, Hai Bà Trưng', config: { shopId: '101' }, secret: 'key-a1b2',
        extra: { lastSyncAt: '2026-11-24T18:00:00Z' } },
      { provider: 'PANCAKE_POS', name: 'Cửa hàng Sài Gòn', config: { shopId: '103' }, secret: 'key-9f3c',
        extra: { lastSyncAt: '2026-11-24T17:45:00Z' } },
      { provider: 'META_ADS', name: 'Shop thời trang Ads', config: { adAccountId: 'act_1001' }, secret: 'token-5e6f',
        extra: { lastSyncAt: '2026-11-24T18:10:00Z' } },
    ],
    extra,
  );

describe('Analytics, in English', () => {
  let page;
  let problems;
  signedInSuite(harness, { seed: seed({ prefs: prefs() }), timezoneId: 'America/Los_Angeles', fixedTime: NOW }, async (opened) => {
    ({ page, problems } = opened);
    await role(page, 'navigation', 'Pages').getByRole('button', { name: 'Analytics' }).click();
    await role(page, 'heading', 'Analytics').waitFor();
  });

  it('opens on the last 30 days ending today in Vietnam, by day', async () => {
    assert.equal(await role(page, 'button', 'Analytics').getAttribute('aria-current'), 'page');
    await eventually(async () => (await rowHeaders(page)).length === 30);
    assert.deepEqual(await lastQuery(page), { from: '2026-10-27', to: '2026-11-25', by: 'day' });
    assert.equal(await page.getByTestId('analytics-time-zone').textContent(), 'Days in Asia/Ho_Chi_Minh');
    assert.equal(await role(page, 'radio', 'Last 30 days').isChecked(), true);
  });

  it('shows the last 7 days: totals, a chart and every day of the table', async () => {
    await role(page, 'radio', 'Last 7 days').check();
    await eventually(async () => (await rowHeaders(page)).length === 7);
    assert.deepEqual(await lastQuery(page), { from: '2026-11-19', to: '2026-11-25', by: 'day' });
    assert.equal(await kpi(page, 'Spend'), '₫24,413,000');
    assert.equal(await kpi(page, 'Impressions'), '287,213');
    assert.equal(await kpi(page, 'Meta purchases'), '141');
    assert.equal(await kpi(page, 'POS revenue'), '₫130,270,000');
    assert.equal(await kpi(page, 'Orders'), '239');
    assert.equal(await kpi(page, 'Average order value'), '₫545,063');
    assert.equal(await kpi(page, 'ROAS (Meta)'), '3.36×');
    assert.equal(await kpi(page, 'ROAS (POS)'), '5.34×');
    assert.deepEqual((await rowHeaders(page)).slice(0, 2), ['Thu, Nov 19', 'Fri, Nov 20']);
    const total = await page.getByRole('table').locator('tfoot tr').textContent();
    assert.match(total, /^Total₫24,413,000287,213/);
    const chart = page.getByRole('img', { name: /^Spend, Meta purchase value and POS revenue per day, Nov 19 – 25, 2026/ });
    await chart.waitFor();
    const box = await chart.boundingBox();
    assert.ok(box.width > 900 && box.height >= 280, `chart is ${box.width}×${box.height}`);
    // Seven bars of spend were drawn.
    assert.equal(await chart.locator('.recharts-bar-rectangle').count(), 7);
    // Hovering a day shows its exact amounts (drawn under the app's frozen prototype too).
    await chart.locator('.recharts-bar-rectangle').first().hover();
    const tip = page.locator('.recharts-tooltip-wrapper');
    await eventually(async () => /₫/.test((await tip.textContent()) ?? ''));
    const tipText = await tip.textContent();
    assert.match(tipText, /^11\/19/);
    assert.match(tipText, /Spend : ₫3,863,000/);
    assert.match(tipText, /POS revenue : ₫26,155,000/);
  });

  it('groups by ad and by campaign, naming the orders Meta cannot explain', async () => {
    await role(page, 'tab', 'By ad').click();
    await eventually(async () => (await rowHeaders(page)).includes('Ad not in Meta: 120219999001'));
    assert.deepEqual(await lastQuery(page), { from: '2026-11-19', to: '2026-11-25', by: 'ad' });
    assert.deepEqual(await rowHeaders(page), [
      'Áo dài Tết – video 15s',
      'Combo quà Tết – carousel',
      'Giày thể thao giảm 50%',
      'Video giới thiệu cửa hàng',
      'Ad not in Meta: 120219999001',
      'Orders without an ad',
    ]);
    const first = page.getByRole('table').locator('tbody tr').first();
    assert.match(await first.textContent(), /^Áo dài Tết – video 15s, Khuyến mãi Tết₫9,593,000/);
    assert.equal(await page.getByRole('table').getByRole('columnheader').first().textContent(), 'Ad · campaign');

    await role(page, 'tab', 'By campaign').click();
    await eventually(async () => (await rowHeaders(page)).includes('Ads not in Meta'));
    assert.deepEqual(await rowHeaders(page), [
      'Khuyến mãi Tết',
      'Xả kho cuối năm',
      'Nhận diện thương hiệu',
      'Ads not in Meta',
      'Orders without an ad',
    ]);
    await page.getByRole('img', { name: /^Spend, Meta purchase value and POS revenue of the top 5 rows, .*Largest: Khuyến mãi Tết\.$/ }).waitFor();
    // The totals do not depend on the grouping.
    assert.equal(await kpi(page, 'Spend'), '₫24,413,000');
  });

  it('narrows to one store, whose spend is the campaigns assigned to it, and names those assigned to none', async () => {
    await page.getByLabel('Store').selectOption({ label: 'Cửa hàng Hà Nội' });
    const note = role(page, 'note', 'About these figures');
    // No campaign is assigned yet: the store has none of the account's ₫24,413,000.
    await note.getByText(/of spend belongs to no store yet: “/).waitFor();
    assert.deepEqual(await lastQuery(page), { from: '2026-11-19', to: '2026-11-25', store: 'int-1', by: 'campaign' });
    assert.equal(await kpi(page, 'Spend'), '₫0');
    assert.notEqual(await kpi(page, 'Orders'), '239');
  });

  it('exports the CSV and says where it went', async () => {
    await role(page, 'button', 'Export CSV').click();
    await page.getByText('Saved to /home/chu/Downloads/ad-spend-vs-sales_2026-11-19_2026-11-25_by-campaign.csv').waitFor();
    assert.deepEqual(await calls(page, 'export_report'), [
      { query: { from: '2026-11-19', to: '2026-11-25', store: 'int-1', by: 'campaign' } },
    ]);
  });

  it('refuses a custom range that ends before it starts, without asking the core', async () => {
    const before = (await calls(page, 'report')).length;
    await role(page, 'radio', 'Custom').check();
    assert.equal(await page.getByLabel('From', { exact: true }).inputValue(), '2026-11-19');
    assert.equal(await page.getByLabel('To', { exact: true }).inputValue(), '2026-11-25');
    await page.getByLabel('From', { exact: true }).fill('2026-11-30');
    await page.getByRole('alert').getByText('The first day must not be after the last day.').waitFor();
    assert.equal((await calls(page, 'report')).length, before);
    assert.ok(await role(page, 'button', 'Export CSV').isDisabled());
    await page.getByLabel('From', { exact: true }).fill('2026-11-01');
    await eventually(async () => (await lastQuery(page))?.from === '2026-11-01');
    assert.deepEqual(await lastQuery(page), { from: '2026-11-01', to: '2026-11-25', store: 'int-1', by: 'campaign' });
    assert.deepEqual(problems, []);
  });
});

describe('The workspace’s time zone', () => {
  it('is chosen in Settings, and the dashboard counts its days in it (screenshot of the settings)', async () => {
    const { page, problems } = await openSignedIn(harness.browser, {
      seed: seed({ prefs: prefs() }),
      timezoneId: VIETNAM,
      fixedTime: NOW,
    });
    await role(page, 'button', 'Settings').click();
    const zone = page.getByLabel('Time zone', { exact: true });
    await zone.waitFor();
    assert.equal(await zone.inputValue(), 'Asia/Ho_Chi_Minh');
    assert.equal(await zone.locator('option').first().textContent(), 'Asia/Ho_Chi_Minh (GMT+7)');
    await page.getByText('Days in reports are counted in this time zone.').waitFor();
    await shot(page, '28-settings-time-zone');

    await zone.selectOption('America/Los_Angeles');
    await page.getByText('Time zone set to America/Los_Angeles.').waitFor();
    assert.deepEqual(await calls(page, 'set_time_zone'), [{ timeZone: 'America/Los_Angeles' }]);
    assert.equal(await zone.inputValue(), 'America/Los_Angeles');
    await shot(page, '28-settings-time-zone-saved');

    // A name the core does not know: refused, and the select shows the zone the workspace has.
    const refused = await page.evaluate(() =>
      window.__TAURI_INTERNALS__.invoke('set_time_zone', { timeZone: 'Hà Nội' }).catch((e) => e.code + ': ' + e.message),
    );
    assert.equal(refused, 'VALIDATION: Unknown time zone "Hà Nội"; use an IANA name such as Asia/Ho_Chi_Minh.');

    // In Los Angeles it is still the 24th: the ranges end there, and the label says whose days.
    await role(page, 'navigation', 'Pages').getByRole('button', { name: 'Analytics' }).click();
    await eventually(async () => (await page.getByTestId('analytics-time-zone').textContent()) === 'Days in America/Los_Angeles');
    await eventually(async () => (await rowHeaders(page)).length === 30);
    assert.deepEqual(await lastQuery(page), { from: '2026-10-26', to: '2026-11-24', by: 'day' });
    await role(page, 'radio', 'Last 7 days').check();
    await eventually(async () => (await lastQuery(page))?.from === '2026-11-18');
    assert.deepEqual(await lastQuery(page), { from: '2026-11-18', to: '2026-11-24', by: 'day' });
    await closeClean(page, problems);
  });

  it('cannot be changed while the shared server is out of reach', async () => {
    const { page, problems } = await openApp(harness.browser, {
      seed: seed({ shared: true, link: 'OFFLINE', prefs: prefs('vi') }),
      timezoneId: VIETNAM,
      fixedTime: NOW,
    });
    await role(page, 'button', 'Cài đặt').click();
    const zone = page.getByLabel('Múi giờ', { exact: true });
    await zone.waitFor();
    await eventually(() => zone.isDisabled());
    await page.getByText('Đổi múi giờ cần kết nối máy chủ — bạn đang ngoại tuyến. Hãy thử lại khi có kết nối.').waitFor();
    await shot(page, '28-settings-time-zone-offline-vi');
    const refused = await page.evaluate(() =>
      window.__TAURI_INTERNALS__.invoke('set_time_zone', { timeZone: 'Asia/Bangkok' }).catch((e) => e.code),
    );
    assert.equal(refused, 'OFFLINE');
    await closeClean(page, problems);
  });
});

describe('Analytics offline', () => {
  it('says the figures come from the local copy, and how old it is', async () => {
    const { page, problems } = await openApp(harness.browser, {
      seed: seed({ shared: true, link: 'OFFLINE', mirrorAsOf: '2026-11-24T18:25:00Z', prefs: prefs('en', 'dark') }),
      timezoneId: VIETNAM,
      fixedTime: NOW,
    });
    await role(page, 'button', 'Analytics').click();
    await page.getByTestId('analytics-source').getByText('Offline — figures from the local copy, updated 5 minutes ago').waitFor();
    await role(page, 'group', 'Spend').waitFor();
    await shot(page, '27-analytics-offline-dark', { fullPage: true });
    await closeClean(page, problems);
  });

  it('shows an empty state when nothing was synced', async () => {
    const { page, problems } = await openApp(harness.browser, {
      seed: seed({ analytics: 'empty', prefs: prefs() }),
      fixedTime: NOW,
    });
    await role(page, 'button', 'Analytics').click();
    await page.getByTestId('analytics-empty').getByText('No data in this range').waitFor();
    assert.ok(await role(page, 'button', 'Export CSV').isDisabled());
    await closeClean(page, problems);
  });
});

describe('Analytics in Vietnamese', () => {
  it('reads in Vietnamese, with đồng and comma decimals (screenshot for the docs)', async () => {
    const { page, problems } = await openSignedIn(harness.browser, vietnamView(seed({ prefs: prefs('vi') }), 800, NOW));
    await role(page, 'button', 'Phân tích').click();
    await role(page, 'heading', 'Phân tích').waitFor();
    await role(page, 'radio', '7 ngày qua').check();
    await eventually(async () => (await rowHeaders(page)).length === 7);
    assert.equal(await kpi(page, 'Chi phí quảng cáo'), '24.413.000\u00a0₫');
    assert.equal(await kpi(page, 'ROAS (Meta)'), '3,36×');
    assert.equal(await page.getByTestId('analytics-time-zone').textContent(), 'Ngày tính theo giờ Asia/Ho_Chi_Minh');
    assert.equal((await rowHeaders(page))[0], 'Thứ 5, 19/11');
    await shot(page, '26-analytics-vi-day', { fullPage: true });

    await role(page, 'tab', 'Theo quảng cáo').click();
    await eventually(async () => (await rowHeaders(page)).includes('Quảng cáo không có trên Meta: 120219999001'));
    assert.ok((await rowHeaders(page)).includes('Đơn không qua quảng cáo'));
    await shot(page, '26-analytics-vi-ad', { fullPage: true });

    await role(page, 'tab', 'Theo chiến dịch').click();
    await eventually(async () => (await rowHeaders(page)).includes('Quảng cáo không có trên Meta'));
    await shot(page, '26-analytics-vi', { fullPage: false });
    publishShot('26-analytics-vi', 'analytics.png');
    await closeClean(page, problems);
  });
});
