// Browser tests of *Receive orders in real time* against the fake core: a Pancake store's Edit
// page turns it on (the fake records what would reach Pancake: the URL below the server's
// public address and the secret header, which never reaches the page), shows the last
// delivery's time, the delivery log lists what Pancake posted, and turning it off unregisters.
// On a computer on its own, and before the operator sets the address, the switch cannot be
// turned on and says why. The clock is fixed at 2026-11-20T05:00Z, 12:00 in Vietnam.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VIETNAM, calls, closeClean, eventually, openSignedIn, prefs, publishShot, role, shot, signedIn, signedInSuite, useHarness, vietnamView } from './harness.mjs';

const harness = useHarness();

const NOW = new Date('2026-11-20T05:00:00Z');
const pancakeWebhook = (page, shop) => page.evaluate((s) => window.__fakeCore.state.pancakeWebhooks[s] ?? null, shop);

const HANOI = 'Cửa hàng Hà Nội';
const seed = (extra = {}) =>
  signedIn(
    [
      { provider: 'PANCAKE_POS', name: HANOI, config: { shopId: '101' }, secret: 'key-a1b2', extra: { lastSyncAt: '2026-11-20T04:30:00Z' } },
      { provider: 'META_ADS', name: 'Shop thời trang Ads', config: { adAccountId: 'act_1001' }, secret: 'token-5e6f' },
    ],
    {
      shared: true,
      publicUrl: 'https://hooks.shop.vn',
      deliveries: {
        [HANOI]: [
          { receivedAt: '2026-11-20T04:40:00Z', kind: 'unknown', outcome: 'unauthorized', sizeBytes: 310, reference: null },
          { receivedAt: '2026-11-20T04:31:12Z', kind: 'stock', outcome: 'stored', sizeBytes: 402, reference: 'v-1-2' },
          { receivedAt: '2026-11-20T04:30:05Z', kind: 'order', outcome: 'unchanged', sizeBytes: 2210, reference: '1042' },
          { receivedAt: '2026-11-20T04:30:01Z', kind: 'order', outcome: 'stored', sizeBytes: 2210, reference: '1042' },
        ],
      },
      ...extra,
    },
  );

describe('Real-time orders, in English', () => {
  let page;
  let problems;
  signedInSuite(harness, { seed: seed({ prefs: prefs() }), timezoneId: VIETNAM, fixedTime: NOW }, async (opened) => {
    ({ page, problems } = opened);
    await role(page, 'button', `Edit ${HANOI}`).click();
  });

  it('turns on from the Edit page: Pancake gets the URL and the secret header, the page gets neither secret', async () => {
    const toggle = role(page, 'switch', `Receive orders in real time: ${HANOI}`);
    await eventually(async () => (await toggle.getAttribute('aria-checked')) === 'false');
    assert.equal(await pancakeWebhook(page, '101'), null);
    await toggle.click();
    await page.getByText(`“${HANOI}” now receives orders in real time.`).waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    const [{ id }] = await calls(page, 'set_realtime_orders');
    assert.deepEqual(await calls(page, 'set_realtime_orders'), [{ id, enabled: true }]);
    const registered = await pancakeWebhook(page, '101');
    assert.equal(registered.webhook_enable, true);
    assert.equal(registered.webhook_url, `https://hooks.shop.vn/webhooks/pancake/${id}`);
    assert.ok(registered.webhook_headers['X-Integrations-Secret']);
    assert.equal((await page.content()).includes(registered.webhook_headers['X-Integrations-Secret']), false);
  });

  it('shows the last delivery taken, not the refused one after it', async () => {
    // 04:31:12Z is 11:31 in Vietnam; the refusal at 11:40 is not a delivery taken.
    await eventually(async () => /^Last delivery: .*11:31/.test(await page.getByTestId('last-delivery').textContent()));
  });

  it('lists the deliveries, newest first, with a new one Pancake posts at the top', async () => {
    await page.evaluate((name) => window.__fakeCore.deliver(name, { kind: 'order', outcome: 'stored', sizeBytes: 2301, reference: '1043' }), HANOI);
    await role(page, 'button', 'Delivery log').click();
    const dialog = role(page, 'dialog', 'Delivery log');
    await dialog.waitFor();
    const rows = dialog.locator('tbody tr');
    await eventually(async () => (await rows.count()) === 5);
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(cells, [
      ['Order', 'Saved', '1043'],
      ['Unknown', 'Refused: wrong secret', '—'],
      ['Stock', 'Saved', 'v-1-2'],
      ['Order', 'Already up to date', '1042'],
      ['Order', 'Saved', '1042'],
    ]);
    assert.match(await rows.nth(1).locator('th').textContent(), /11:40/);
    await shot(page, '31-delivery-log', { fullPage: false });
    await role(dialog, 'button', 'Close').first().click();
    await eventually(async () => (await dialog.count()) === 0);
  });

  it('turns off: Pancake is told to stop, the scheduled sync goes on', async () => {
    const toggle = role(page, 'switch', `Receive orders in real time: ${HANOI}`);
    await toggle.click();
    await page.getByText(`“${HANOI}” no longer receives orders in real time; the scheduled sync goes on.`).waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    assert.deepEqual(await pancakeWebhook(page, '101'), { webhook_enable: false });
    assert.deepEqual(problems, []);
  });
});

describe('Real-time orders where they cannot be turned on', () => {
  it('before the operator sets the public address, the switch stays off and says who can fix it', async () => {
    const { page, problems } = await openSignedIn(harness.browser, {
      seed: seed({ publicUrl: null, prefs: prefs() }),
      fixedTime: NOW,
    });
    await role(page, 'button', `Edit ${HANOI}`).click();
    const toggle = role(page, 'switch', `Receive orders in real time: ${HANOI}`);
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('aria-disabled'), 'true');
    await page.getByTestId('realtime-unavailable').getByText(/INTEGRATIONS_PUBLIC_URL/).waitFor();
    // A click on it anyway (Playwright would wait for it to be enabled) sends nothing.
    await toggle.click({ force: true });
    await toggle.press('Space');
    assert.deepEqual(await calls(page, 'set_realtime_orders'), []);
    await closeClean(page, problems);
  });

  it('is offered for Pancake stores only', async () => {
    const { page, problems } = await openSignedIn(harness.browser, {
      seed: seed({ prefs: prefs() }),
      fixedTime: NOW,
    });
    await role(page, 'button', 'Edit Shop thời trang Ads').click();
    await page.getByLabel('Ad account ID').waitFor();
    assert.equal(await page.getByTestId('realtime-orders').count(), 0);
    assert.deepEqual(await calls(page, 'realtime_orders'), []);
    await closeClean(page, problems);
  });

  it('on a computer on its own it needs a shared server', async () => {
    const { page, problems } = await openSignedIn(harness.browser, {
      seed: seed({ shared: false, prefs: prefs() }),
      fixedTime: NOW,
    });
    await role(page, 'button', `Edit ${HANOI}`).click();
    await page.getByTestId('realtime-unavailable').getByText(/^Needs a shared server/).waitFor();
    assert.equal(await role(page, 'button', 'Delivery log').count(), 0);
    await closeClean(page, problems);
  });
});

describe('Real-time orders in Vietnamese', () => {
  it('reads in Vietnamese (screenshot for the docs)', async () => {
    const { page, problems } = await openSignedIn(harness.browser, vietnamView(seed({ prefs: prefs('vi') }), 1000, NOW));
    await role(page, 'button', `Chỉnh sửa ${HANOI}`).click();
    const toggle = role(page, 'switch', `Nhận đơn hàng theo thời gian thực: ${HANOI}`);
    await toggle.click();
    await page.getByText(`“${HANOI}” đã nhận đơn hàng theo thời gian thực.`).waitFor();
    await eventually(async () => /^Lần nhận gần nhất: .*11:31/.test(await page.getByTestId('last-delivery').textContent()));
    await role(page, 'button', 'Đóng thông báo').click();
    await eventually(async () => (await role(page, 'button', 'Đóng thông báo').count()) === 0);
    await shot(page, '32-realtime-vi');
    publishShot('32-realtime-vi', 'realtime-orders.png');
    await closeClean(page, problems);
  });
});
