// Browser tests of shared mode against the fake core: the server goes away and comes back, edits
// made meanwhile are queued, shown and sent, and clashes with the server are settled by the user.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VIETNAM, closeClean, eventually, fourIntegrations, openApp, openSignedIn, prefs, role, row, shot, signedIn, signedInSuite, useHarness, vietnamView } from './harness.mjs';

const harness = useHarness();

/** Flip the fake server, then tell the app the way the OS would (it also polls every 2 s). */
const core = (page, action, ...args) =>
  page.evaluate(
    ([a, rest]) => {
      window.__fakeCore[a](...rest);
      window.dispatchEvent(new Event('focus'));
    },
    [action, args],
  );

const seed = (extra = {}) => signedIn(fourIntegrations(), { shared: true, mirrorAsOf: '2025-06-02T08:15:00Z', ...extra });

describe('offline and back', () => {
  let page;
  let problems;
  signedInSuite(harness, { seed: seed({ prefs: prefs() }), timezoneId: VIETNAM }, (opened) => {
    ({ page, problems } = opened);
  });

  it('shows no banner while the server answers', async () => {
    // The core's answer is on screen (before it the app assumes standalone and shows no line).
    await page.locator('[data-testid="connectivity"][data-mode="ONLINE"]').waitFor({ state: 'attached' });
    assert.equal(await page.getByTestId('connectivity').textContent(), '');
    assert.ok(await role(page, 'button', 'Test Shop thời trang').isEnabled());
  });

  it('goes offline: a banner with the mirror’s age, and what needs the server is disabled', async () => {
    await core(page, 'goOffline');
    const banner = page.getByTestId('connectivity');
    await banner.getByText(/^Offline — data as of Jun 2, 2025, 3:15\sPM$/).waitFor();
    assert.match(await banner.textContent(), /Reconnecting automatically\. Changes to names, descriptions and on\/off are saved/);
    assert.equal(await banner.getAttribute('role'), 'status');

    for (const name of ['Add Another Store', 'Test Shop thời trang', 'Delete Shop thời trang']) {
      const button = role(page, 'button', name);
      assert.ok(await button.isDisabled(), `${name} is disabled`);
      assert.equal(await button.getAttribute('title'), 'Needs the server — you are offline');
    }
    const card = page.getByRole('region', { name: 'Meta Ads' });
    assert.ok(await card.getByRole('button', { name: 'Test', exact: true }).isDisabled());
    assert.ok(await card.getByRole('button', { name: 'Disable', exact: true }).isEnabled());
    await page.getByRole('region', { name: 'Pancake POS' }).getByText('Needs the server — you are offline').waitFor();
  });

  it('turns a store on offline: queued, marked, and counted in the banner', async () => {
    const toggle = role(page, 'switch', 'Enabled: Mỹ phẩm Hà Nội');
    await toggle.click();
    await page.getByText('Turned on “Mỹ phẩm Hà Nội”; it will be sent when the connection returns.').waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await row(page, 'Mỹ phẩm Hà Nội').getByText('Waiting to sync').waitFor();
    await page.getByTestId('pending-count').getByText('1 change waiting to be sent').waitFor();
    assert.equal(await row(page, /Shop thời trang Cửa hàng/).getByText('Waiting to sync').count(), 0);
  });

  it('renames offline; the key and the shop id need the server', async () => {
    await role(page, 'button', 'Dismiss notification').click();
    await role(page, 'button', 'Edit Shop thời trang').click();
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    assert.ok(await page.getByLabel('New API key').isDisabled());
    assert.ok(await page.getByLabel('Shop ID').isDisabled());
    await page.getByText('Needs the server — you are offline. The name and description can still be changed.').waitFor();
    await page.getByTestId('connectivity').getByText(/^Offline/).waitFor();
    await shot(page, '16-offline-edit');
    await name.fill('Shop thời trang Quận 1');
    await role(page, 'button', 'Save').click();
    await page.getByText('Saved “Shop thời trang Quận 1”; it will be sent when the connection returns.').waitFor();
    await role(page, 'button', 'Dismiss notification').click();
    await row(page, /Shop thời trang Quận 1/).getByText('Waiting to sync').waitFor();
    await page.getByTestId('pending-count').getByText('2 changes waiting to be sent').waitFor();
    await shot(page, '17-offline-queued');
  });

  it('refuses a server operation that slips through with the core’s OFFLINE message', async () => {
    const message = await page.evaluate(() =>
      window.__TAURI_INTERNALS__.invoke('test_connection', { id: 'int-1' }).catch((e) => e.code + ': ' + e.message),
    );
    assert.equal(message, 'OFFLINE: You are offline: this needs the shared database. Try again when the connection returns.');
  });

  it('comes back online: the banner goes, the queued changes are sent and applied', async () => {
    // Another computer synced the renamed store meanwhile: no edit, so no conflict with mine.
    await core(page, 'syncOnServer', 'Shop thời trang Quận 1');
    await core(page, 'goOnline');
    await page.getByTestId('pending-count').waitFor({ state: 'detached' });
    await eventually(async () => (await page.getByTestId('connectivity').textContent()) === '');
    assert.equal(await page.getByText('Waiting to sync').count(), 0);
    assert.equal(await role(page, 'switch', 'Enabled: Mỹ phẩm Hà Nội').getAttribute('aria-checked'), 'true');
    await row(page, /Mỹ phẩm Hà Nội/).getByText('Active', { exact: true }).waitFor();
    assert.ok(await role(page, 'button', 'Test Shop thời trang Quận 1').isEnabled());
    assert.ok(await role(page, 'button', 'Add Another Store').isEnabled());
    const sent = await page.evaluate(() => window.__fakeCore.state.integrations.map((i) => [i.name, i.enabled, i.version]));
    assert.deepEqual(sent.slice(0, 3), [['Shop thời trang Quận 1', true, 2], ['Giày dép Sài Gòn', true, 1], ['Mỹ phẩm Hà Nội', true, 2]]);
    assert.equal(await page.getByTestId('conflict-mine').count(), 0);
    // The rename and the sync's new last sync, side by side.
    await eventually(async () => !/Jun 2, 2025/.test(await row(page, /Shop thời trang Quận 1/).textContent()));
  });

  it('settles conflicts: both versions shown, "Keep mine" applies mine, a deleted one can only be discarded', async () => {
    await core(page, 'goOffline');
    await page.getByTestId('connectivity').getByText(/^Offline/).waitFor();
    await role(page, 'switch', 'Enabled: Giày dép Sài Gòn').click();
    await page.getByTestId('pending-count').getByText('1 change waiting to be sent').waitFor();
    await role(page, 'button', 'Dismiss notification').click();
    await role(page, 'button', 'Edit Mỹ phẩm Hà Nội').click();
    await page.getByLabel(/Description/).fill('Chi nhánh Cầu Giấy');
    await role(page, 'button', 'Save').click();
    await page.getByTestId('pending-count').getByText('2 changes waiting to be sent').waitFor();

    await page.evaluate(() => {
      window.__fakeCore.editOnServer('Giày dép Sài Gòn', { name: 'Giày dép Sài Gòn (Quận 3)', description: 'Sửa từ máy khác' });
      window.__fakeCore.deleteOnServer('Mỹ phẩm Hà Nội');
    });
    await core(page, 'goOnline');

    const panel = page.getByRole('region', { name: 'Changes that need your decision' });
    await panel.waitFor();
    const shoes = panel.getByRole('article', { name: 'Giày dép Sài Gòn' });
    assert.match(await shoes.getByTestId('conflict-mine').textContent(), /Your change \(offline\)Turned off/);
    const server = await shoes.getByTestId('conflict-server').textContent();
    assert.match(server, /Now on the server/);
    assert.match(server, /Giày dép Sài Gòn \(Quận 3\)/);
    assert.match(server, /Sửa từ máy khác/);
    assert.match(server, /EnabledOn/);
    const gone = panel.getByRole('article', { name: 'Mỹ phẩm Hà Nội' });
    assert.match(await gone.getByTestId('conflict-mine').textContent(), /Description → “Chi nhánh Cầu Giấy”/);
    await gone.getByText('Deleted on the server').waitFor();
    assert.equal(await gone.getByRole('button', { name: 'Keep mine' }).count(), 0);
    await shot(page, '18-conflicts');

    await shoes.getByRole('button', { name: 'Keep mine' }).click();
    await page.getByText('Kept your change to “Giày dép Sài Gòn”.').waitFor();
    await shoes.waitFor({ state: 'detached' });
    const shoesRow = row(page, /Giày dép Sài Gòn \(Quận 3\)/);
    await eventually(async () => (await shoesRow.getByRole('switch').getAttribute('aria-checked')) === 'false');

    await gone.getByRole('button', { name: 'Discard my change' }).click();
    await panel.waitFor({ state: 'detached' });
    assert.equal(await row(page, /Mỹ phẩm Hà Nội/).count(), 0);
    const calls = await page.evaluate(() => window.__fakeCore.state.calls.filter((c) => c.cmd === 'resolve_conflict').map((c) => c.args));
    assert.equal(calls.length, 2);
    assert.equal(calls[0].keep, 'MINE');
    assert.equal(calls[1].keep, 'SERVER');
    assert.deepEqual(problems, []);
  });
});

describe('offline, in Vietnamese', () => {
  it('shows the banner, the queued change and a conflict to settle (screenshot for the docs)', async () => {
    const { page, problems } = await openApp(harness.browser, vietnamView(
      seed({
        link: 'OFFLINE',
        prefs: prefs('vi'),
        conflicts: [
          { name: 'Giày dép Sài Gòn', mine: { name: 'Giày dép Sài Gòn – Quận 3', enabled: false },
            server: { description: 'Đã đổi kho sang Thủ Đức', enabled: true }, queuedAt: '2025-06-02T07:55:00Z' },
        ],
      }),
      800,
    ));
    const banner = page.getByTestId('connectivity');
    await banner.getByText(/^Ngoại tuyến — dữ liệu tính đến 15:15\s2 thg 6, 2025$/).waitFor();
    await role(page, 'switch', 'Bật: Mỹ phẩm Hà Nội').click();
    await page.getByTestId('pending-count').getByText('1 thay đổi đang chờ gửi').waitFor();
    await row(page, 'Mỹ phẩm Hà Nội').getByText('Chờ đồng bộ').waitFor();
    const panel = page.getByRole('region', { name: 'Thay đổi cần bạn quyết định' });
    await panel.getByRole('button', { name: 'Giữ thay đổi của tôi' }).waitFor();
    await panel.getByRole('button', { name: 'Giữ bản trên máy chủ' }).waitFor();
    assert.ok(await role(page, 'button', 'Thêm cửa hàng khác').isDisabled());
    // The toast would cover the table's corner: let it go before the picture.
    await role(page, 'button', 'Đóng thông báo').click();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, '19-offline-vi', { fullPage: false });
    await shot(page, '19-offline-vi-full');
    await closeClean(page, problems);
  });
});

describe('connecting, in the dark theme', () => {
  it('shows a quiet line while connecting, then nothing once online', async () => {
    const { page, problems } = await openApp(harness.browser, {
      seed: seed({ link: 'CONNECTING', prefs: prefs('en', 'dark') }),
      timezoneId: VIETNAM,
    });
    const banner = page.getByTestId('connectivity');
    await banner.getByText(/^Connecting to the shared database… showing saved data as of Jun 2, 2025, 3:15\sPM$/).waitFor();
    assert.ok(await role(page, 'button', 'Test Shop thời trang').isEnabled());
    await shot(page, '20-connecting-dark');
    await page.evaluate(() => window.__fakeCore.goOffline());
    await banner.getByText(/^Offline — data as of/).waitFor();
    await shot(page, '21-offline-dark');
    await core(page, 'goOnline');
    await eventually(async () => (await banner.textContent()) === '');
    await closeClean(page, problems);
  });
});
