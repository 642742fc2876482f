// Browser tests of joining a shared workspace with the code its administrator gave, and of
// leaving it from Settings, against the in-page fake core (codes naming "revoked" or "offline"
// are refused as the core refuses them). Screenshots go to e2e/screenshots/.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { openApp, owner, role, shot, useHarness } from './harness.mjs';

const harness = useHarness();

const CODE = 'imc1.eyJzZXJ2ZXIiOiJkYi5zaG9wLnZuOjU0MzIvaW50ZWdyYXRpb25zIn0.c2hvcC10aG9pLXRyYW5n';

describe('a second computer of the shop joins the shared workspace', () => {
  let page;
  let problems;
  before(async () => {
    ({ page, problems } = await openApp(harness.browser, { seed: { users: [owner] } }));
  });
  after(() => page.context().close());

  it('is told clearly, in Vietnamese too, that a revoked code no longer works', async () => {
    await page.getByRole('radio', { name: /Join a shared workspace/ }).check();
    await page.getByRole('textbox', { name: 'Connection code' }).fill('imc1.revoked.AAAA');
    await role(page, 'button', 'Join workspace').click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /revoked or replaced by a new code/);
    await page.getByRole('combobox', { name: 'Language' }).selectOption('vi');
    await page.getByText('đã bị thu hồi').waitFor();
    await shot(page, 'join-01-refused-vi');
    await page.getByRole('combobox', { name: 'Ngôn ngữ' }).selectOption('en');
  });

  it('joins with a good code and signs in with email and password', async () => {
    await page.getByRole('textbox', { name: 'Connection code' }).fill(CODE);
    await shot(page, 'join-02-code');
    await role(page, 'button', 'Join workspace').click();
    await role(page, 'heading', 'Sign in to Shop thời trang').waitFor();
    assert.equal(await page.getByRole('tab', { name: 'Create workspace' }).count(), 0);
    // The code is not on any screen after joining.
    assert.ok(!(await page.content()).includes(CODE));
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await role(page, 'button', 'Sign in').click();
    await role(page, 'heading', 'No integrations yet').waitFor();
  });

  it('sees the workspace and its server in Settings, and leaves it after confirming', async () => {
    await role(page, 'button', 'Settings').click();
    await role(page, 'heading', 'Shared workspace').waitFor();
    assert.equal(await page.getByTestId('joined-workspace').textContent(), 'Shop thời trang');
    assert.equal(await page.getByTestId('joined-server').textContent(), 'db.shop.vn:5432/integrations');
    await page.getByTestId('joined-server').scrollIntoViewIfNeeded();
    await shot(page, 'join-03-settings');
    await role(page, 'button', 'Leave this workspace').click();
    const dialog = page.getByRole('alertdialog', { name: 'Leave this workspace?' });
    await dialog.waitFor();
    await shot(page, 'join-04-leave-confirm', { fullPage: false });
    await dialog.getByRole('button', { name: 'Leave this workspace' }).click();
    // Back to the first choice: this computer never had a database of its own.
    await page.getByRole('radio', { name: /Use the embedded database/ }).waitFor();
    assert.deepEqual(problems, []);
  });
});
