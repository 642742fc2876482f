// Browser tests of the Alerts list against the fake core: the header's count, the open alerts
// with their numbers and the history, "Open the report" landing on Analytics with the range and
// store behind the alert, dismissing (kept in the history, the count going down), and the
// thresholds in Settings (a bad one refused with the core's message). The clock is fixed at
// 2026-11-20T05:00Z, 12:00 in Vietnam.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VIETNAM, calls, closeClean, eventually, openSignedIn, prefs, publishShot, role, shot, signedIn, signedInSuite, useHarness, vietnamView } from './harness.mjs';

const harness = useHarness();

const NOW = new Date('2026-11-20T05:00:00Z');

// The fake core numbers integrations int-1, int-2, … in the seed's order.
const HANOI = 'int-1';
const alerts = [
  {
    id: 'a-spike', rule: 'SPEND_SPIKE', subject: '2026-11-19', integrationId: null, integrationName: null,
    firedAt: '2026-11-20T04:10:00Z', clearedAt: null, dismissedAt: null,
    details: { rule: 'SPEND_SPIKE', day: '2026-11-19', currency: 'VND', exponent: 0, spendMinor: 2_450_000, medianMinor: 1_100_000, thresholdPercent: 200 },
    report: { from: '2026-11-05', to: '2026-11-19' },
  },
  {
    id: 'a-quiet', rule: 'STORE_QUIET', subject: HANOI, integrationId: HANOI, integrationName: 'Cửa hàng Hà Nội',
    firedAt: '2026-11-20T05:00:00Z', clearedAt: null, dismissedAt: null,
    details: { rule: 'STORE_QUIET', lastOrderAt: '2026-11-20T02:00:00Z', quietMinutes: 180, usualOrders: [3, 2, 4, 2] },
    report: { from: '2026-10-23', to: '2026-11-20', store: HANOI },
  },
  {
    // A store's own ROAS (the spend of the campaigns assigned to it), so it names the store.
    id: 'a-roas', rule: 'ROAS_DROP', subject: HANOI, integrationId: HANOI, integrationName: 'Cửa hàng Hà Nội',
    firedAt: '2026-11-18T01:00:00Z', clearedAt: null, dismissedAt: null,
    details: { rule: 'ROAS_DROP', from: '2026-11-11', to: '2026-11-17', currency: 'VND', exponent: 0, spendMinor: 12_000_000, revenueMinor: 25_200_000, roas: 2.1, previousSpendMinor: 11_000_000, previousRevenueMinor: 33_000_000, previousRoas: 3, belowFloor: false, dropped: true, floorPercent: 100, dropPercent: 30 },
    report: { from: '2026-11-04', to: '2026-11-17', store: HANOI },
  },
  {
    id: 'a-sync', rule: 'SYNC_FAILING', subject: 'int-3', integrationId: 'int-3', integrationName: 'Shop thời trang Ads',
    firedAt: '2026-11-16T09:00:00Z', clearedAt: '2026-11-16T11:30:00Z', dismissedAt: null,
    details: { rule: 'SYNC_FAILING', failingSince: '2026-11-16T02:40:00Z', failedRuns: 12, lastError: 'Meta did not answer (HTTP 503).', thresholdHours: 6 },
    report: null,
  },
];

const seed = (extra = {}) =>
  signedIn(
    [
      { provider: 'PANCAKE_POS', name: 'Cửa hàng Hà Nội', config: { shopId: '101' }, secret: 'key-a1b2', extra: { lastSyncAt: '2026-11-20T04:30:00Z' } },
      { provider: 'PANCAKE_POS', name: 'Cửa hàng Sài Gòn', config: { shopId: '103' }, secret: 'key-9f3c', extra: { lastSyncAt: '2026-11-20T04:35:00Z' } },
      { provider: 'META_ADS', name: 'Shop thời trang Ads', config: { adAccountId: 'act_1001' }, secret: 'token-5e6f', extra: { lastSyncAt: '2026-11-20T04:40:00Z' } },
    ],
    { alerts, ...extra },
  );

describe('Alerts, in English', () => {
  let page;
  let problems;
  signedInSuite(harness, { seed: seed({ prefs: prefs() }), timezoneId: VIETNAM, fixedTime: NOW }, (opened) => {
    ({ page, problems } = opened);
  });

  it('counts the open, undismissed alerts beside "Alerts" in the header', async () => {
    await eventually(async () => (await page.getByTestId('alert-count').textContent()) === '3');
    assert.equal(await page.getByTestId('alert-count').getAttribute('aria-label'), '3 open alerts');
  });

  it('lists the open alerts with their numbers, then the history', async () => {
    await role(page, 'navigation', 'Pages').getByRole('button', { name: /^Alerts/ }).click();
    await role(page, 'heading', 'Alerts').waitFor();
    const open = role(page, 'region', 'Needs attention').getByTestId('alert');
    await eventually(async () => (await open.count()) === 3);
    assert.deepEqual(await open.evaluateAll((cards) => cards.map((c) => c.dataset.rule)), ['SPEND_SPIKE', 'STORE_QUIET', 'ROAS_DROP']);
    const spike = await open.nth(0).textContent();
    assert.match(spike, /11\/19\/2026: ₫2,450,000 spent, above 200% of the median of the 14 days before \(₫1,100,000\)\./);
    const quiet = await open.nth(1).textContent();
    assert.match(quiet, /Cửa hàng Hà Nội: no order for 3 h 0 min/);
    assert.match(quiet, /\(3, 2, 4, 2\)/);
    assert.match(await open.nth(2).textContent(), /Cửa hàng Hà Nội, with the spend of the campaigns assigned to it: ROAS \(POS\) 11\/11\/2026 – 11\/17\/2026: 2\.10, down 30% or more on the week before \(3\.00\)\./);
    const past = role(page, 'region', 'History').getByTestId('alert');
    assert.equal(await past.count(), 1);
    assert.match(await past.nth(0).textContent(), /Shop thời trang Ads: every sync since .* failed \(12 runs\), for more than 6 hours\./);
    assert.equal(await past.nth(0).getByRole('button', { name: 'Dismiss' }).count(), 0);
  });

  it('opens Analytics on the range and store behind an alert', async () => {
    const quiet = role(page, 'region', 'Needs attention').getByTestId('alert').nth(1);
    await quiet.getByRole('button', { name: 'Open the report' }).click();
    await role(page, 'heading', 'Analytics').waitFor();
    await eventually(async () => (await calls(page, 'report')).length > 0);
    assert.deepEqual((await calls(page, 'report')).at(-1).query, { from: '2026-10-23', to: '2026-11-20', by: 'day', store: HANOI });
  });

  it('dismisses an alert: it stays in the list, the count goes down', async () => {
    await role(page, 'navigation', 'Pages').getByRole('button', { name: /^Alerts/ }).click();
    const spike = role(page, 'region', 'Needs attention').getByTestId('alert').nth(0);
    await spike.getByRole('button', { name: 'Dismiss' }).click();
    await eventually(async () => /Dismissed/.test(await spike.textContent()));
    assert.equal(await spike.getByRole('button', { name: 'Dismiss' }).count(), 0);
    assert.deepEqual(await calls(page, 'dismiss_alert'), [{ id: 'a-spike' }]);
    await eventually(async () => (await page.getByTestId('alert-count').textContent()) === '2');
    assert.deepEqual(problems, []);
  });

  it('keeps the thresholds in Settings, refusing one out of range before sending it', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const failing = page.getByLabel('Sync failing for more than (hours)');
    await eventually(async () => (await failing.inputValue()) === '6');
    assert.equal(await page.getByLabel('ROAS (POS) floor over 7 days').inputValue(), '1.00');
    // Out of range the browser refuses the form itself (the field's own limits are the core's):
    // nothing is sent.
    await failing.fill('0');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.equal(await failing.evaluate((input) => input.validity.rangeUnderflow), true);
    assert.deepEqual(await calls(page, 'set_alert_settings'), []);
    await failing.fill('12');
    await page.getByLabel('ROAS (POS) floor over 7 days').fill('1.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Alert thresholds saved.').waitFor();
    const saved = (await calls(page, 'set_alert_settings')).at(-1).settings;
    assert.equal(saved.syncFailingHours, 12);
    assert.equal(saved.roasFloorPercent, 150);
  });
});

describe('Alerts in Vietnamese', () => {
  it('reads in Vietnamese, with đồng (screenshot for the docs)', async () => {
    const { page, problems } = await openSignedIn(harness.browser, vietnamView(seed({ prefs: prefs('vi') }), 900, NOW));
    await role(page, 'navigation', 'Trang').getByRole('button', { name: /^Cảnh báo/ }).click();
    await role(page, 'heading', 'Cảnh báo').waitFor();
    const open = role(page, 'region', 'Cần chú ý').getByTestId('alert');
    await eventually(async () => (await open.count()) === 3);
    assert.match(await open.nth(0).textContent(), /Ngày 19\/11\/2026: đã chi 2\.450\.000\u00a0₫/);
    await shot(page, '30-alerts-vi', { fullPage: true });
    publishShot('30-alerts-vi', 'alerts.png');
    await closeClean(page, problems);
  });
});
