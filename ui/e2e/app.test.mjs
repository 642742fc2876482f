// Browser tests of the built UI against the in-page fake core: every flow of the Integrations
// screen, in English and Vietnamese, light and dark. Screenshots go to e2e/screenshots/.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { closeClean, eventually, openApp, owner, prefs, role, row, shot, signedIn, useHarness } from './harness.mjs';

const harness = useHarness();

describe('a shop owner’s first day', () => {
  let page;
  let problems;
  before(async () => {
    ({ page, problems } = await openApp(harness.browser));
  });
  after(() => page.context().close());

  it('chooses the embedded database on first run', async () => {
    const embedded = page.getByRole('radio', { name: /Use the embedded database \(recommended\)/ });
    await embedded.waitFor();
    assert.ok(await embedded.isChecked());
    await page.getByRole('radio', { name: /Join a shared workspace/ }).check();
    await page.getByRole('textbox', { name: 'Connection code' }).waitFor();
    assert.equal(await page.getByLabel('Master key').count(), 0);
    await shot(page, '01-first-run-join');
    await embedded.check();
    await role(page, 'button', 'Continue').click();
  });

  it('creates a workspace and sees the empty list', async () => {
    const tab = role(page, 'tab', 'Create workspace');
    await tab.waitFor();
    assert.equal(await tab.getAttribute('aria-selected'), 'true');
    await page.getByLabel('Workspace name').fill(owner.tenantName);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('short');
    await role(page, 'button', 'Create workspace').click();
    // The browser's own validation keeps a short password from reaching the core.
    assert.equal(await page.getByLabel('Password').evaluate((el) => el.validity.tooShort), true);
    await page.getByLabel('Password').fill(owner.password);
    await shot(page, '02-create-workspace');
    await role(page, 'button', 'Create workspace').click();
    await role(page, 'heading', 'No integrations yet').waitFor();
    assert.equal(await page.getByTestId('workspace-name').textContent(), 'Shop thời trang');
    await role(page, 'button', 'Connect Meta Ads').waitFor();
    await shot(page, '03-empty-list');
  });

  it('connects a Pancake POS key that reaches one shop: created at once', async () => {
    await role(page, 'button', 'Connect Pancake POS').click();
    const key = page.getByLabel('API key');
    assert.equal(await key.getAttribute('type'), 'password');
    await key.fill('one-shop');
    await page.getByLabel(/Description/).fill('Cửa hàng chính, Quận 1');
    await shot(page, '04-wizard-credentials');
    await role(page, 'button', 'Create Integration').click();
    await page.getByText('Connected “Shop thời trang”.').waitFor();
    await row(page, 'Shop thời trang Cửa hàng chính, Quận 1').waitFor();
    assert.equal(await page.getByTestId('store-count').textContent(), '1 store connected');
  });

  it('adds another store from a key that reaches three shops', async () => {
    await role(page, 'button', 'Dismiss notification').click();
    await role(page, 'button', 'Add Another Store').click();
    await page.getByLabel('API key').fill('three-shops');
    await role(page, 'button', 'Create Integration').click();
    const connected = page.getByRole('radio', { name: /Shop thời trang/ });
    await connected.waitFor();
    assert.ok(await connected.isDisabled());
    assert.match(await page.locator('label.choice', { has: connected }).textContent(), /Already connected/);
    assert.ok(await role(page, 'button', 'Create Integration').isDisabled());
    await page.getByRole('radio', { name: /Mỹ phẩm Hà Nội/ }).check();
    assert.equal(await page.getByLabel('Integration name').inputValue(), 'Mỹ phẩm Hà Nội');
    await shot(page, '05-wizard-choose-shop');
    await role(page, 'button', 'Create Integration').click();
    await page.getByText('Connected “Mỹ phẩm Hà Nội”.').waitFor();
    assert.equal(await page.getByTestId('store-count').textContent(), '2 stores connected');
  });

  it('shows a rejected key inline, with the provider’s message', async () => {
    await role(page, 'button', 'Add Another Store').click();
    await page.getByLabel('API key').fill('rejected');
    await role(page, 'button', 'Create Integration').click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Pancake POS rejected the API key/);
    assert.equal(await alert.getAttribute('data-provider-code'), 'PROVIDER_AUTH_REJECTED');
    await shot(page, '06-wizard-error');
    await role(page, 'button', 'Cancel').click();
    await role(page, 'heading', 'All Integrations').waitFor();
  });

  it('tests a connection', async () => {
    await role(page, 'button', 'Test Mỹ phẩm Hà Nội').click();
    await page.getByText('Connection test passed: Pancake POS answered for “Mỹ phẩm Hà Nội”.').waitFor();
  });

  it('disables and enables with the switch, from the keyboard', async () => {
    const toggle = role(page, 'switch', 'Enabled: Mỹ phẩm Hà Nội');
    await toggle.focus();
    await page.keyboard.press('Space');
    await page.getByText('Disabled “Mỹ phẩm Hà Nội”.').waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    await row(page, /Mỹ phẩm Hà Nội/).getByText('Disabled', { exact: true }).waitFor();
    await shot(page, '07-list-disabled');
    await page.keyboard.press('Enter');
    await page.getByText('Enabled “Mỹ phẩm Hà Nội”.').waitFor();
    await eventually(async () => (await toggle.getAttribute('aria-checked')) === 'true');
  });

  it('renames an integration, showing only the key’s hint', async () => {
    await role(page, 'button', 'Edit Shop thời trang').click();
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    assert.equal(await page.getByTestId('credentials-hint').textContent(), '••••shop');
    assert.equal(await page.getByLabel('New API key').inputValue(), '');
    assert.equal(await page.getByLabel('New API key').getAttribute('type'), 'password');
    await name.fill('Shop thời trang Quận 1');
    await shot(page, '08-edit');
    await role(page, 'button', 'Save').click();
    await page.getByText('Saved “Shop thời trang Quận 1”.').waitFor();
    await role(page, 'button', 'Edit Shop thời trang Quận 1').waitFor();
  });

  it('refuses a stale edit and reloads the latest version', async () => {
    await role(page, 'button', 'Edit Shop thời trang Quận 1').click();
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    await page.evaluate(() => window.__fake.editElsewhere('Shop thời trang Quận 1', { name: 'Shop thời trang (máy khác)' }));
    await page.getByLabel(/Description/).fill('Sửa từ máy này');
    await role(page, 'button', 'Save').click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Someone changed this integration while you were editing it/);
    await shot(page, '09-edit-stale');
    await role(page, 'button', 'Reload').click();
    await eventually(async () => (await name.inputValue()) === 'Shop thời trang (máy khác)');
    assert.equal(await page.getByRole('alert').count(), 0);
    await role(page, 'button', 'Cancel').click();
  });

  it('deletes after an accessible confirmation', async () => {
    const deleteButton = role(page, 'button', 'Delete Mỹ phẩm Hà Nội');
    await deleteButton.click();
    const dialog = page.getByRole('alertdialog', { name: 'Delete integration' });
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /Delete “Mỹ phẩm Hà Nội”\? This cannot be undone\./);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
    await shot(page, '10-delete-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Delete Mỹ phẩm Hà Nội');
    await deleteButton.click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('Deleted “Mỹ phẩm Hà Nội”.').waitFor();
    await deleteButton.waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('store-count').textContent(), '1 store connected');
  });

  it('switches to Vietnamese', async () => {
    await role(page, 'button', 'Settings').click();
    await role(page, 'radio', 'Tiếng Việt').check();
    await role(page, 'heading', 'Cài đặt').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'vi');
    // The settings page's way back (the header has a link of the same name).
    await role(page.getByRole('main'), 'button', 'Tích hợp').click();
    await role(page, 'heading', 'Tích hợp').waitFor();
    await role(page, 'button', 'Thêm cửa hàng khác').waitFor();
    await role(page, 'button', 'Kết nối Meta Ads').waitFor();
    await role(page, 'button', 'Kiểm tra kết nối Shop thời trang (máy khác)').waitFor();
    await page.getByText('Chưa đồng bộ').first().waitFor();
    assert.deepEqual(await page.evaluate(() => window.__fake.state.prefs.language), 'vi');
  });

  it('switches to the dark theme', async () => {
    await role(page, 'button', 'Cài đặt').click();
    await role(page, 'radio', 'Tối').check();
    await eventually(async () => (await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark');
    await shot(page, '11-settings-dark');
    // The settings page's way back (the header has a link of the same name).
    await role(page.getByRole('main'), 'button', 'Tích hợp').click();
    await role(page, 'heading', 'Tất cả tích hợp').waitFor();
    await shot(page, '12-list-dark-vi');
  });

  it('signs out and back in with the email prefilled', async () => {
    await role(page, 'button', 'Đăng xuất').click();
    const email = page.getByLabel('Email');
    await email.waitFor();
    assert.equal(await email.inputValue(), owner.email);
    await page.getByLabel('Mật khẩu').fill('sai mật khẩu');
    await role(page, 'button', 'Đăng nhập').click();
    await page.getByRole('alert').getByText('Incorrect email or password.').waitFor();
    await page.getByLabel('Mật khẩu').fill(owner.password);
    await role(page, 'button', 'Đăng nhập').click();
    await role(page, 'heading', 'Tích hợp').waitFor();
    assert.deepEqual(problems, []);
  });
});

describe('Meta Ads', () => {
  let page;
  let problems;
  before(async () => {
    ({ page, problems } = await openApp(harness.browser, {
      seed: signedIn(
        [
          { provider: 'PANCAKE_POS', name: 'Shop thời trang', description: 'Cửa hàng chính, Quận 1', config: { shopId: '101' }, secret: 'key-a1b2',
            extra: { lastSyncAt: '2025-06-02T08:15:00Z' } },
          { provider: 'PANCAKE_POS', name: 'Giày dép Sài Gòn', config: { shopId: '103' }, secret: 'key-9f3c',
            extra: { status: 'ERROR', lastError: 'Pancake POS rejected the API key. Create a new key in Pancake POS → Settings → Advanced and paste it here.', lastSyncAt: '2025-06-01T23:40:00Z' } },
          { provider: 'PANCAKE_POS', name: 'Mỹ phẩm Hà Nội', config: { shopId: '102' }, secret: 'key-77d0',
            extra: { enabled: false, status: 'DISABLED' } },
        ],
        { prefs: prefs() },
      ),
    }));
  });
  after(() => page.context().close());

  it('shows a rejected token inline', async () => {
    await role(page, 'button', 'Connect Meta Ads').click();
    const token = page.getByLabel('Access token');
    assert.equal(await token.getAttribute('type'), 'password');
    await token.fill('rejected');
    await role(page, 'button', 'Create Integration').click();
    await page.getByRole('alert').getByText(/Meta rejected the access token/).waitFor();
  });

  it('chooses among ad accounts, inactive ones marked, and shows the connected account on its card', async () => {
    await page.getByLabel('Access token').fill('two-accounts');
    await role(page, 'button', 'Create Integration').click();
    const old = page.locator('label.choice', { has: page.getByRole('radio', { name: /Tài khoản cũ/ }) });
    await old.waitFor();
    const text = await old.textContent();
    assert.match(text, /Inactive/);
    assert.match(text, /DISABLED/);
    assert.match(text, /USD/);
    await page.getByRole('radio', { name: /Shop thời trang Ads/ }).check();
    await shot(page, '13-wizard-meta-accounts');
    await role(page, 'button', 'Create Integration').click();
    await page.getByText('Connected “Shop thời trang Ads”.').waitFor();
    const card = page.getByRole('region', { name: 'Meta Ads' });
    await card.getByText('act_1001').waitFor();
    await card.getByRole('button', { name: 'Disable', exact: true }).waitFor();
    assert.equal(await role(page, 'button', 'Connect Meta Ads').count(), 0);
    assert.equal(await page.getByTestId('store-count').textContent(), '3 stores connected');
    await page.getByText('Connected “Shop thời trang Ads”.').waitFor({ state: 'detached' });
    await shot(page, '14-list');
  });

  it('tests and disables Meta Ads from its card', async () => {
    const card = page.getByRole('region', { name: 'Meta Ads' });
    await card.getByRole('button', { name: 'Test', exact: true }).click();
    await page.getByText('Connection test passed: Meta answered for “Shop thời trang Ads”.').waitFor();
    await card.getByRole('button', { name: 'Disable', exact: true }).click();
    await card.getByRole('button', { name: 'Enable', exact: true }).waitFor();
    await card.getByText('Disabled', { exact: true }).waitFor();
    assert.deepEqual(problems, []);
  });
});

describe('language and theme from the system', () => {
  it('speaks Vietnamese and follows a dark system theme by default', async () => {
    const { page, problems } = await openApp(harness.browser, {
      seed: { configured: true },
      locale: 'vi-VN',
      colorScheme: 'dark',
    });
    await role(page, 'tab', 'Tạo không gian làm việc').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await shot(page, '15-auth-vi-dark');
    await closeClean(page, problems);
  });
});
