import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { BackendError } from '../backend';
import { integration } from '../test/fakeBackend';
import { api, renderWithProviders } from '../test/render';
import { IntegrationsPage } from './IntegrationsPage';

const shop = integration({ id: 'shop-1', name: 'Shop thời trang', enabled: true });
const meta = integration({ id: 'meta-1', provider: 'META_ADS', name: 'Quảng cáo', config: { adAccountId: 'act_9' } });

function setup(language: 'en' | 'vi' = 'en') {
  const user = userEvent.setup();
  renderWithProviders(<IntegrationsPage onConnect={vi.fn()} onEdit={vi.fn()} />, { language });
  return { user };
}

describe('IntegrationsPage', () => {
  it('shows a loading state, then the cards and the table', async () => {
    api.listIntegrations.mockResolvedValue([shop, meta]);
    setup();
    expect(screen.getByRole('status')).toHaveTextContent('Loading integrations…');
    expect(await screen.findByRole('table')).toBeInTheDocument();
    expect(screen.getByText('act_9')).toBeInTheDocument();
    expect(screen.getByTestId('store-count')).toHaveTextContent('1 store connected');
  });

  it('shows an error with a retry', async () => {
    api.listIntegrations
      .mockRejectedValueOnce(new BackendError({ code: 'DATABASE_UNAVAILABLE', message: 'The database cannot be reached.' }))
      .mockResolvedValueOnce([shop]);
    const { user } = setup();
    expect(await screen.findByRole('alert')).toHaveTextContent('The database cannot be reached.');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table')).toBeInTheDocument();
  });

  it('disables and enables through the switch and says so', async () => {
    api.listIntegrations.mockResolvedValue([shop]);
    api.disableIntegration.mockResolvedValue({ ...shop, enabled: false, status: 'DISABLED' });
    api.enableIntegration.mockResolvedValue({ ...shop, enabled: true, status: 'ACTIVE' });
    const { user } = setup();
    const toggle = await screen.findByRole('switch', { name: 'Enabled: Shop thời trang' });
    await user.click(toggle);
    expect(api.disableIntegration).toHaveBeenCalledWith('shop-1');
    expect(await screen.findByText('Disabled “Shop thời trang”.')).toBeInTheDocument();
    expect(toggle).toHaveAttribute('aria-checked', 'false');
    await user.click(toggle);
    expect(api.enableIntegration).toHaveBeenCalledWith('shop-1');
    expect(await screen.findByText('Enabled “Shop thời trang”.')).toBeInTheDocument();
  });

  it('reports a failed connection test with the provider message', async () => {
    api.listIntegrations.mockResolvedValue([shop]);
    api.testConnection.mockResolvedValue({
      integration: { ...shop, status: 'ERROR', lastError: 'API key revoked' },
      success: false,
      message: 'API key revoked',
      providerCode: 'PROVIDER_AUTH_REJECTED',
    });
    const { user } = setup();
    await user.click(await screen.findByRole('button', { name: 'Test Shop thời trang' }));
    expect(await screen.findByText('Connection test failed: API key revoked')).toBeInTheDocument();
    expect(within(screen.getByRole('row', { name: /Shop thời trang/ })).getByText('Error')).toBeInTheDocument();
  });

  it('asks in a modal dialog before deleting, naming the integration; Escape cancels', async () => {
    api.listIntegrations.mockResolvedValue([shop]);
    api.deleteIntegration.mockResolvedValue(null);
    const { user } = setup();
    const deleteButton = await screen.findByRole('button', { name: 'Delete Shop thời trang' });
    await user.click(deleteButton);

    let dialog = screen.getByRole('alertdialog', { name: 'Delete integration' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(dialog).toHaveAccessibleDescription(/Delete “Shop thời trang”\? This cannot be undone\./);
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    // Focus stays inside.
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Delete' })).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(api.deleteIntegration).not.toHaveBeenCalled();
    expect(deleteButton).toHaveFocus();

    await user.click(deleteButton);
    dialog = screen.getByRole('alertdialog');
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(api.deleteIntegration).toHaveBeenCalledWith('shop-1');
    expect(await screen.findByText('Deleted “Shop thời trang”.')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.getByText('No integrations yet')).toBeInTheDocument();
  });

  it('asks in Vietnamese', async () => {
    api.listIntegrations.mockResolvedValue([shop]);
    const { user } = setup('vi');
    await user.click(await screen.findByRole('button', { name: 'Xoá Shop thời trang' }));
    expect(screen.getByRole('alertdialog')).toHaveTextContent('Xoá “Shop thời trang”? Không thể hoàn tác thao tác này.');
    expect(screen.getByRole('heading', { name: 'Tích hợp' })).toBeInTheDocument();
  });
});
