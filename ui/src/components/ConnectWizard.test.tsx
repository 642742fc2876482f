import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { BackendError } from '../backend';
import { integration } from '../test/fakeBackend';
import { expectNoFieldsetInFlexColumn } from '../test/layout';
import { api, renderWithProviders } from '../test/render';
import { ConnectWizard } from './ConnectWizard';

const shops = [
  { id: '101', name: 'Shop thời trang', avatarUrl: 'https://pos.pages.fm/a.png', alreadyConnected: true },
  { id: '102', name: 'Mỹ phẩm Hà Nội', avatarUrl: null, alreadyConnected: false },
  { id: '103', name: 'Giày dép Sài Gòn', avatarUrl: null, alreadyConnected: false },
];

function setup(provider: 'PANCAKE_POS' | 'META_ADS' = 'PANCAKE_POS', language: 'en' | 'vi' = 'en') {
  const onDone = vi.fn();
  const onCancel = vi.fn();
  const user = userEvent.setup();
  renderWithProviders(<ConnectWizard provider={provider} onDone={onDone} onCancel={onCancel} />, { language });
  return { onDone, onCancel, user };
}

describe('ConnectWizard (Pancake POS)', () => {
  it('creates the integration at once when the key reaches one shop', async () => {
    const created = integration({ name: 'Shop thời trang' });
    api.connectPancake.mockResolvedValue({ outcome: 'created', integration: created });
    const { onDone, user } = setup();

    const key = screen.getByLabelText('API key');
    expect(key).toHaveAttribute('type', 'password');
    await user.type(key, 'one-shop');
    await user.type(screen.getByLabelText(/Description/), 'Cửa hàng chính');
    await user.click(screen.getByRole('button', { name: 'Create Integration' }));

    expect(api.connectPancake).toHaveBeenCalledWith({ apiKey: 'one-shop', description: 'Cửa hàng chính', shopId: null });
    expect(onDone).toHaveBeenCalledWith(created);
    expect(await screen.findByText('Connected “Shop thời trang”.')).toBeInTheDocument();
  });

  it('lets the user choose among several shops, the connected one disabled and marked', async () => {
    api.connectPancake
      .mockResolvedValueOnce({ outcome: 'chooseShop', shops })
      .mockResolvedValueOnce({ outcome: 'created', integration: integration({ name: 'Mỹ phẩm Hà Nội' }) });
    const { onDone, user } = setup();

    await user.type(screen.getByLabelText('API key'), 'three-shops');
    await user.click(screen.getByRole('button', { name: 'Create Integration' }));

    expect(await screen.findByRole('group', { name: 'Choose a shop' })).toBeInTheDocument();
    expectNoFieldsetInFlexColumn();
    const connected = screen.getByRole('radio', { name: /Shop thời trang/ });
    expect(connected).toBeDisabled();
    expect(connected.closest('label')).toHaveTextContent('Already connected');
    expect(screen.getByRole('button', { name: 'Create Integration' })).toBeDisabled();
    // Initials stand in for the remote avatar, which the CSP would block.
    expect(document.querySelector('img')).toBeNull();

    await user.click(screen.getByRole('radio', { name: /Mỹ phẩm Hà Nội/ }));
    expect(screen.getByLabelText('Integration name')).toHaveValue('Mỹ phẩm Hà Nội');
    await user.click(screen.getByRole('button', { name: 'Create Integration' }));

    expect(api.connectPancake).toHaveBeenLastCalledWith({ apiKey: 'three-shops', description: null, shopId: '102' });
    expect(onDone).toHaveBeenCalled();
  });

  it('shows the provider error inline, as given', async () => {
    api.connectPancake.mockRejectedValue(
      new BackendError({
        code: 'PROVIDER_ERROR',
        providerCode: 'PROVIDER_AUTH_REJECTED',
        message: 'Pancake POS rejected the API key. Check it in Pancake POS settings.',
      }),
    );
    const { onDone, user } = setup();
    await user.type(screen.getByLabelText('API key'), 'rejected');
    await user.click(screen.getByRole('button', { name: 'Create Integration' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Pancake POS rejected the API key. Check it in Pancake POS settings.');
    expect(alert).toHaveAttribute('data-provider-code', 'PROVIDER_AUTH_REJECTED');
    expect(screen.getByLabelText('API key')).toHaveValue('rejected');
    expect(onDone).not.toHaveBeenCalled();
  });

  it('speaks Vietnamese', () => {
    setup('PANCAKE_POS', 'vi');
    expect(screen.getByRole('heading', { name: 'Kết nối Pancake POS' })).toBeInTheDocument();
    expect(screen.getByLabelText('Khoá API')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Tạo tích hợp' })).toBeInTheDocument();
  });
});

describe('ConnectWizard (Meta Ads)', () => {
  it('lists ad accounts with status and currency, marks inactive ones, and connects the chosen one', async () => {
    api.connectMeta
      .mockResolvedValueOnce({
        outcome: 'chooseAdAccount',
        accounts: [
          { id: 'act_1', name: 'Shop thời trang Ads', accountStatus: 1, statusName: 'ACTIVE', active: true, currency: 'VND', timezoneName: 'Asia/Ho_Chi_Minh', alreadyConnected: false },
          { id: 'act_2', name: 'Tài khoản cũ', accountStatus: 2, statusName: 'DISABLED', active: false, currency: 'USD', timezoneName: 'Asia/Ho_Chi_Minh', alreadyConnected: false },
        ],
      })
      .mockResolvedValueOnce({
        outcome: 'created',
        integration: integration({ provider: 'META_ADS', name: 'Shop thời trang Ads', config: { adAccountId: 'act_1' } }),
      });
    const { onDone, user } = setup('META_ADS');

    expect(screen.getByLabelText('Access token')).toHaveAttribute('type', 'password');
    await user.type(screen.getByLabelText('Access token'), 'EAAB-token');
    await user.click(screen.getByRole('button', { name: 'Create Integration' }));

    const old = (await screen.findByRole('radio', { name: /Tài khoản cũ/ })).closest('label')!;
    expect(old).toHaveTextContent('Inactive');
    expect(old).toHaveTextContent('DISABLED');
    expect(old).toHaveTextContent('USD');
    await user.click(screen.getByRole('radio', { name: /Shop thời trang Ads/ }));
    await user.click(screen.getByRole('button', { name: 'Create Integration' }));
    expect(api.connectMeta).toHaveBeenLastCalledWith({ accessToken: 'EAAB-token', description: null, adAccountId: 'act_1' });
    expect(onDone).toHaveBeenCalled();
  });
});
