// Browser tests of spend per store against the fake core: the Campaigns page (suggestions,
// confirming, the shares editor, an ad set of its own, no store, clearing, a stale edit, offline)
// and what the Analytics page does with the decisions (one store's spend, By store adding up
// to the account, the spend of no store as a row of its own, the reassignment warning). The
// browser's clock is fixed at 2026-11-24T18:30Z (the 25th in Vietnam).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VIETNAM, calls, closeClean, eventually, openApp, openSignedIn, prefs, publishShot, role, shot, signedIn, signedInSuite, useHarness, vietnamView } from './harness.mjs';

const harness = useHarness();

const NOW = new Date('2026-11-24T18:30:00Z');
const kpi = async (page, name) => (await role(page, 'group', name).textContent()).slice(name.length);
const rowHeaders = (page) => page.getByRole('table').locator('tbody th .row-name').allTextContents();
/** `₫1,234,000` → 1234000. */
const dong = (text) => Number(text.replace(/[^\d]/g, ''));
const card = (page, name) => page.getByRole('listitem', { name, exact: true });
const nav = (page, name) => role(page, 'navigation', 'Pages').getByRole('button', { name, exact: true });

const seed = (extra = {}) =>
  signedIn(
    [
      { provider: 'PANCAKE_POS', name: 'Cửa hàng Hà Nội', config: { shopId: '101' }, secret: 'key-a1b2' },
      { provider: 'PANCAKE_POS', name: 'Cửa hàng Sài Gòn', config: { shopId: '103' }, secret: 'key-9f3c' },
      { provider: 'META_ADS', name: 'Shop thời trang Ads', config: { adAccountId: 'act_1001' }, secret: 'token-5e6f' },
    ],
    extra,
  );

describe('Spend per store, in English', () => {
  let page;
  let problems;
  signedInSuite(
    harness,
    vietnamView(seed({ prefs: prefs() }), 900, NOW),
    (opened) => ({ page, problems } = opened),
  );

  it('before any decision, one store has no spend and the report says whose spend is missing', async () => {
    await nav(page, 'Analytics').click();
    await role(page, 'radio', 'Last 7 days').check();
    await page.getByLabel('Store').selectOption({ label: 'Cửa hàng Hà Nội' });
    const note = role(page, 'note', 'About these figures');
    await note.getByText(/of spend belongs to no store yet: “Khuyến mãi Tết”, “Xả kho cuối năm”, “Nhận diện thương hiệu”\./).waitFor();
    assert.equal(await kpi(page, 'Spend'), '₫0');
    assert.notEqual(await kpi(page, 'POS revenue'), '₫0', 'the store’s own sales are there');
    await note.getByRole('button', { name: 'Assign campaigns' }).click();
    await role(page, 'heading', 'Campaigns').waitFor();
    assert.equal(await nav(page, 'Campaigns').getAttribute('aria-current'), 'page');
  });

  it('lists the campaigns needing a decision, with suggestions from the orders', async () => {
    await card(page, 'Khuyến mãi Tết').waitFor();
    assert.equal(await role(page, 'radio', 'Needs a decision (3)').isChecked(), true);
    const tet = card(page, 'Khuyến mãi Tết');
    assert.match(await tet.getByTestId('suggestion').first().textContent(), /^Suggested from [\d,]+ orders: Cửa hàng Hà Nội \d+% · Cửa hàng Sài Gòn \d+%$/);
    assert.equal(await tet.getByText('Not assigned').count(), 1);
    await tet.getByText('Ad sets (2)').waitFor();
  });

  it('confirms a suggestion, chooses a store with the editor, and puts a campaign under no store', async () => {
    const tet = card(page, 'Khuyến mãi Tết');
    const suggested = (await tet.getByTestId('suggestion').first().textContent()).replace(/^Suggested from [\d,]+ orders: /, '');
    await role(tet, 'group', 'Actions for Khuyến mãi Tết').getByRole('button', { name: 'Confirm suggestion' }).click();
    await page.getByText('Saved “Khuyến mãi Tết”: reports follow, past days included.').waitFor();
    // It no longer needs a decision: the list moves on.
    await eventually(async () => (await role(page, 'radio', 'Needs a decision (2)').count()) === 1);

    const sale = card(page, 'Xả kho cuối năm');
    await role(sale, 'button', 'Choose stores…').click();
    const form = role(page, 'form', 'Stores of Xả kho cuối năm');
    // Opens on the suggestion (two stores); down to one store, then built up again.
    await role(form, 'button', 'Remove store 2').click();
    await form.getByLabel('Store 1', { exact: true }).selectOption({ label: 'Cửa hàng Hà Nội' });
    await form.getByLabel('Share of store 1 (%)').fill('60');
    await form.getByText('The shares add up to 60%; they must add up to 100 %.').waitFor();
    assert.equal(await role(form, 'button', 'Save').isDisabled(), true);
    await role(form, 'button', '+ Add a store').click();
    await form.getByLabel('Store 2', { exact: true }).selectOption({ label: 'Cửa hàng Sài Gòn' });
    await form.getByLabel('Share of store 2 (%)').fill('40');
    await form.getByTestId('share-total').getByText('Total 100%').waitFor();
    await shot(page, '30-campaigns-editor');
    // Changed its mind: all of it to Hà Nội.
    await role(form, 'button', 'Remove store 2').click();
    await form.getByLabel('Share of store 1 (%)').fill('100');
    await role(form, 'button', 'Save').click();
    await page.getByText('Saved “Xả kho cuối năm”: reports follow, past days included.').waitFor();

    await role(card(page, 'Nhận diện thương hiệu'), 'button', 'No store').click();
    await page.getByText('Every campaign has its stores.').waitFor();
    await role(page, 'radio', 'All campaigns (3)').check();
    assert.equal(await card(page, 'Khuyến mãi Tết').getByTestId('assignment').first().textContent(), `Assigned${suggested}`);
    assert.equal(await card(page, 'Xả kho cuối năm').getByTestId('assignment').first().textContent(), 'AssignedCửa hàng Hà Nội 100%');
    assert.equal(await card(page, 'Nhận diện thương hiệu').getByTestId('assignment').first().textContent(), 'No store');
    const assigned = await calls(page, 'assign_campaign');
    assert.deepEqual(assigned.map((a) => a.assignment.choice.kind), ['stores', 'stores', 'noStore']);
    assert.deepEqual(assigned[1].assignment.choice.shares.map((s) => s.basisPoints), [10000]);
    assert.ok(assigned.every((a) => a.assignment.expectedVersion === 0), 'decided on what was shown');
  });

  it('the store’s report now has its spend; by store, all stores and no store add up to the account', async () => {
    await nav(page, 'Analytics').click();
    await role(page, 'radio', 'Last 7 days').check();
    await page.getByLabel('Store').selectOption({ label: 'All stores' });
    await eventually(async () => (await kpi(page, 'Spend')) === '₫24,413,000');
    const account = dong(await kpi(page, 'Spend'));

    await page.getByLabel('Store').selectOption({ label: 'Cửa hàng Hà Nội' });
    // The all-stores figure stays on screen until the store's own report arrives.
    await eventually(async () => {
      const spend = dong(await kpi(page, 'Spend'));
      return spend > 0 && spend !== account;
    });
    const hanoi = dong(await kpi(page, 'Spend'));
    assert.ok(hanoi < account, `${hanoi} of ${account}`);
    assert.equal(await role(page, 'note', 'About these figures').count(), 0, 'nothing is unassigned any more');

    await page.getByLabel('Store').selectOption({ label: 'All stores' });
    await role(page, 'tab', 'By store').click();
    await eventually(async () => (await rowHeaders(page)).includes('No store'));
    assert.deepEqual(await rowHeaders(page), ['Cửa hàng Hà Nội', 'Cửa hàng Sài Gòn', 'No store']);
    const spends = await page.getByRole('table').locator('tbody tr td:nth-child(2)').allTextContents();
    assert.equal(dong(spends[0]), hanoi, 'the store’s row is its report');
    assert.equal(spends.map(dong).reduce((a, b) => a + b, 0), account, 'not a đồng lost or added');
    assert.equal(await kpi(page, 'Spend'), '₫24,413,000');
    await shot(page, '31-analytics-by-store', { fullPage: true });
  });

  it('reassigning changes the past and says so', async () => {
    await nav(page, 'Campaigns').click();
    // The first save's toast says the same words: this save's own must not be taken for it.
    const saved = page.getByText('Saved “Xả kho cuối năm”: reports follow, past days included.');
    await saved.waitFor({ state: 'detached' });
    const sale = card(page, 'Xả kho cuối năm');
    await role(sale, 'button', 'Change').click();
    const form = role(page, 'form', 'Stores of Xả kho cuối năm');
    await form.getByLabel('Store 1', { exact: true }).selectOption({ label: 'Cửa hàng Sài Gòn' });
    await role(form, 'button', 'Save').click();
    await saved.waitFor();
    await sale.getByText(/^Reassigned .*: reports of earlier days now follow this assignment\.$/).waitFor();

    await nav(page, 'Analytics').click();
    await role(page, 'radio', 'Last 7 days').check();
    await page.getByLabel('Store').selectOption({ label: 'Cửa hàng Sài Gòn' });
    await role(page, 'note', 'About these figures')
      .getByText(/^“Xả kho cuối năm” was reassigned on .*: its spend on earlier days moved with it\.$/)
      .waitFor();
    assert.deepEqual(problems, []);
  });

  it('an edit made on what another computer already changed is refused, and reloads', async () => {
    await nav(page, 'Campaigns').click();
    await role(page, 'radio', 'All campaigns (3)').check();
    const tet = card(page, 'Khuyến mãi Tết');
    await tet.waitFor();
    await page.evaluate(() => window.__fakeCore.assignElsewhere('120200000001', [{ store: 'Cửa hàng Sài Gòn', percent: 100 }]));
    await role(tet, 'group', 'Actions for Khuyến mãi Tết').getByRole('button', { name: 'Clear' }).click();
    const alert = tet.getByRole('alert');
    await alert.getByText('Someone changed this campaign meanwhile: reload it and decide again.').waitFor();
    await role(alert, 'button', 'Reload').click();
    await eventually(async () => (await tet.getByTestId('assignment').first().textContent()) === 'AssignedCửa hàng Sài Gòn 100%');
    await tet.getByText(/^Changed by ke-toan@shop\.vn/).waitFor();
    assert.deepEqual(problems, []);
  });
});

describe('Campaigns offline', () => {
  it('shows the local copy and decides nothing', async () => {
    const { page, problems } = await openApp(harness.browser, {
      seed: seed({ shared: true, link: 'OFFLINE', prefs: prefs() }),
      timezoneId: VIETNAM,
      fixedTime: NOW,
    });
    await nav(page, 'Campaigns').click();
    await page.getByTestId('campaigns-offline').getByText('Assigning campaigns needs the server — you are offline.', { exact: false }).waitFor();
    const actions = role(page, 'group', 'Actions for Khuyến mãi Tết');
    for (const button of await actions.getByRole('button').all()) assert.equal(await button.isDisabled(), true);
    const refused = await page.evaluate(() =>
      window.__TAURI_INTERNALS__
        .invoke('assign_campaign', { assignment: { campaignId: '120200000001', choice: { kind: 'noStore' } } })
        .catch((e) => e.code),
    );
    assert.equal(refused, 'OFFLINE');
    await closeClean(page, problems);
  });
});

describe('Campaigns in Vietnamese', () => {
  it('reads in Vietnamese (screenshot for the docs)', async () => {
    const { page, problems } = await openSignedIn(harness.browser, vietnamView(
      seed({
        prefs: prefs('vi'),
        assignments: [
          { campaignId: '120200000002', shares: [{ store: 'Cửa hàng Hà Nội', percent: 70 }, { store: 'Cửa hàng Sài Gòn', percent: 30 }] },
          { campaignId: '120200000001', adsetId: '120230000102', shares: [{ store: 'Cửa hàng Sài Gòn', percent: 100 }] },
        ],
      }),
      900,
      NOW,
    ));
    await role(page, 'navigation', 'Trang').getByRole('button', { name: 'Chiến dịch', exact: true }).click();
    await role(page, 'heading', 'Chiến dịch').waitFor();
    await role(page, 'radio', 'Tất cả chiến dịch (3)').check();
    const tet = card(page, 'Khuyến mãi Tết');
    await tet.getByText('Chưa gán').waitFor();
    assert.match(await tet.getByTestId('suggestion').first().textContent(), /^Gợi ý từ [\d.]+ đơn hàng: Cửa hàng Hà Nội \d+% · Cửa hàng Sài Gòn \d+%$/);
    assert.equal(await card(page, 'Xả kho cuối năm').getByTestId('assignment').first().textContent(), 'Đã gánCửa hàng Hà Nội 70% · Cửa hàng Sài Gòn 30%');
    // Its ad set of its own shows opened.
    await tet.getByText('Quà Tết toàn quốc').waitFor();
    await shot(page, '32-campaigns-vi', { fullPage: false });
    publishShot('32-campaigns-vi', 'campaigns.png');
    await closeClean(page, problems);
  });
});
