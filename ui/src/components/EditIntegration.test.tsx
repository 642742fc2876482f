import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { BackendError } from '../backend';
import { integration } from '../test/fakeBackend';
import { expectNoFieldsetInFlexColumn } from '../test/layout';
import { api, renderWithProviders } from '../test/render';
import { EditIntegration } from './EditIntegration';

const shop = integration({
  id: 'shop-1',
  name: 'Shop thời trang',
  description: 'Cửa hàng chính',
  config: { shopId: '101' },
  credentialsHint: '••••a1b2',
  version: 4,
});

function setup(language: 'en' | 'vi' = 'en') {
  const onDone = vi.fn();
  const user = userEvent.setup();
  renderWithProviders(<EditIntegration id="shop-1" onDone={onDone} onCancel={vi.fn()} />, { language });
  return { onDone, user };
}

describe('EditIntegration', () => {
  it('shows only the hint of the saved key and never prefills a secret', async () => {
    api.getIntegration.mockResolvedValue(shop);
    setup();
    expect(await screen.findByLabelText('Name')).toHaveValue('Shop thời trang');
    expect(screen.getByLabelText(/Description/)).toHaveValue('Cửa hàng chính');
    expect(screen.getByTestId('credentials-hint')).toHaveTextContent('••••a1b2');
    const secret = screen.getByLabelText('New API key');
    expect(secret).toHaveAttribute('type', 'password');
    expect(secret).toHaveValue('');
    expect(screen.getByLabelText('Shop ID')).toHaveValue('101');
    expectNoFieldsetInFlexColumn();
    for (const input of document.querySelectorAll('input')) expect(input.value).not.toContain('a1b2');
  });

  it('saves only what changed, with the version the edit started from', async () => {
    api.getIntegration.mockResolvedValue(shop);
    api.updateIntegration.mockResolvedValue({ ...shop, name: 'Shop thời trang Quận 1', version: 5 });
    const { onDone, user } = setup();
    const name = await screen.findByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Shop thời trang Quận 1');
    await user.clear(screen.getByLabelText(/Description/));
    await user.type(screen.getByLabelText('New API key'), 'new-key-9f3c');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(api.updateIntegration).toHaveBeenCalledWith('shop-1', {
      name: 'Shop thời trang Quận 1',
      description: null,
      secret: 'new-key-9f3c',
      expectedVersion: 4,
    });
    expect(onDone).toHaveBeenCalled();
  });

  it('explains a stale edit and reloads the latest version', async () => {
    api.getIntegration.mockResolvedValueOnce(shop).mockResolvedValueOnce({ ...shop, name: 'Tên mới từ máy khác', version: 5 });
    api.updateIntegration.mockRejectedValue(
      new BackendError({ code: 'STALE_EDIT', message: 'The integration was changed by someone else.' }),
    );
    const { onDone, user } = setup();
    await user.type(await screen.findByLabelText('Name'), ' 2');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Someone changed this integration while you were editing it. Reload to see the latest version');
    expect(onDone).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Reload' }));
    expect(await screen.findByDisplayValue('Tên mới từ máy khác')).toBeInTheDocument();
    expect(screen.getByText('Version 5', { exact: false })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('speaks Vietnamese, including the stale edit message', async () => {
    api.getIntegration.mockResolvedValue(shop);
    api.updateIntegration.mockRejectedValue(new BackendError({ code: 'STALE_EDIT', message: 'stale' }));
    const { user } = setup('vi');
    expect(await screen.findByLabelText('Khoá API mới')).toHaveValue('');
    await user.type(screen.getByLabelText('Tên'), '!');
    await user.click(screen.getByRole('button', { name: 'Lưu' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Hãy tải lại để xem phiên bản mới nhất');
    expect(screen.getByRole('button', { name: 'Tải lại' })).toBeInTheDocument();
  });
});
