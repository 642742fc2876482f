// Offline, what needs the server is disabled and says why; what the core can queue stays usable.

import { act, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { BackendError } from '../backend';
import { ConnectivityProvider } from '../connectivity';
import { connectivity, integration } from '../test/fakeBackend';
import { api, renderWithProviders } from '../test/render';
import type { Connectivity } from '../types';
import { ConnectWizard } from './ConnectWizard';
import { EditIntegration } from './EditIntegration';
import { IntegrationsPage } from './IntegrationsPage';
import { IntegrationsTable } from './IntegrationsTable';
import { MetaCard, PancakeCard } from './ProviderCards';

const NEEDS_SERVER = 'Needs the server — you are offline';

const shop = integration({ id: 'shop-1', name: 'Shop thời trang', description: 'Cửa hàng chính', config: { shopId: '101' }, version: 4 });
const other = integration({ id: 'shop-2', name: 'Mỹ phẩm Hà Nội', config: { shopId: '102' } });
const meta = integration({ id: 'meta-1', provider: 'META_ADS', name: 'Quảng cáo', config: { adAccountId: 'act_9' } });

const offline = (pendingFor: string[] = []): Partial<Connectivity> => ({
  mode: 'OFFLINE',
  mirrorAsOf: '2025-06-02T08:15:00Z',
  pending: pendingFor.map((id, i) => ({
    seq: i + 1,
    integrationId: id,
    integrationName: 'x',
    change: { enabled: false },
    queuedAt: '2025-06-02T08:20:00Z',
  })),
});

describe('offline', () => {
  it('the table disables Test and Delete with the reason, keeps Edit and the switch, and marks queued rows', async () => {
    const onToggle = vi.fn();
    renderWithProviders(<IntegrationsTable integrations={[shop, other]} onToggle={onToggle} />, {}, offline(['shop-1']));
    for (const name of ['Test Shop thời trang', 'Delete Shop thời trang']) {
      const button = screen.getByRole('button', { name });
      expect(button).toBeDisabled();
      expect(button).toHaveAttribute('title', NEEDS_SERVER);
    }
    expect(screen.getByRole('button', { name: 'Edit Shop thời trang' })).toBeEnabled();
    const toggle = screen.getByRole('switch', { name: 'Enabled: Shop thời trang' });
    expect(toggle).not.toHaveAttribute('aria-disabled');
    await userEvent.click(toggle);
    expect(onToggle).toHaveBeenCalledWith(shop, false);

    expect(within(screen.getByRole('row', { name: /Shop thời trang/ })).getByText('Waiting to sync')).toBeInTheDocument();
    expect(within(screen.getByRole('row', { name: /Mỹ phẩm Hà Nội/ })).queryByText('Waiting to sync')).not.toBeInTheDocument();
  });

  it('the table is unchanged online', () => {
    renderWithProviders(<IntegrationsTable integrations={[shop]} />, {}, { mode: 'ONLINE' });
    expect(screen.getByRole('button', { name: 'Test Shop thời trang' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Delete Shop thời trang' })).not.toHaveAttribute('title');
  });

  it('the provider cards cannot add or connect, and say why under the button', () => {
    renderWithProviders(
      <>
        <MetaCard integration={undefined} onConnect={vi.fn()} onEdit={vi.fn()} onTest={vi.fn()} onToggle={vi.fn()} />
        <PancakeCard stores={[shop]} onConnect={vi.fn()} />
      </>,
      {},
      offline(),
    );
    const connect = screen.getByRole('button', { name: 'Connect Meta Ads' });
    expect(connect).toBeDisabled();
    expect(connect).toHaveAccessibleDescription(NEEDS_SERVER);
    const add = screen.getByRole('button', { name: 'Add Another Store' });
    expect(add).toBeDisabled();
    expect(add).toHaveAccessibleDescription(NEEDS_SERVER);
    expect(screen.getAllByText(NEEDS_SERVER)).toHaveLength(2);
  });

  it('the Meta Ads card cannot test, but can still be turned off, and shows it waits to sync', () => {
    renderWithProviders(
      <MetaCard integration={meta} onConnect={vi.fn()} onEdit={vi.fn()} onTest={vi.fn()} onToggle={vi.fn()} />,
      { language: 'vi' },
      offline(['meta-1']),
    );
    expect(screen.getByRole('button', { name: 'Kiểm tra kết nối' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Tắt' })).toBeEnabled();
    expect(screen.getByText('Chờ đồng bộ')).toBeInTheDocument();
  });

  it('the wizard cannot be submitted and explains why', () => {
    renderWithProviders(<ConnectWizard provider="PANCAKE_POS" onDone={vi.fn()} onCancel={vi.fn()} />, {}, offline());
    const create = screen.getByRole('button', { name: 'Create Integration' });
    expect(create).toBeDisabled();
    expect(create).toHaveAccessibleDescription(/Connecting a new integration needs the server/);
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeEnabled();
  });

  it('the edit form keeps the name and description, disables the key and the shop id, and saves on this computer', async () => {
    api.getIntegration.mockResolvedValue(shop);
    api.updateIntegration.mockResolvedValue({ ...shop, name: 'Shop thời trang Quận 1' });
    const refresh = vi.fn();
    const onDone = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<EditIntegration id="shop-1" onDone={onDone} onCancel={vi.fn()} />, {}, offline(), { refresh });
    const name = await screen.findByLabelText('Name');
    expect(name).toBeEnabled();
    expect(screen.getByLabelText(/Description/)).toBeEnabled();
    expect(screen.getByLabelText('New API key')).toBeDisabled();
    expect(screen.getByLabelText('Shop ID')).toBeDisabled();
    expect(screen.getByText('Needs the server — you are offline. The name and description can still be changed.')).toBeInTheDocument();

    await user.clear(name);
    await user.type(name, 'Shop thời trang Quận 1');
    const save = screen.getByRole('button', { name: 'Save' });
    expect(save).toBeEnabled();
    await user.click(save);
    expect(api.updateIntegration).toHaveBeenCalledWith('shop-1', { name: 'Shop thời trang Quận 1', expectedVersion: 4 });
    expect(
      await screen.findByText('Saved “Shop thời trang Quận 1”; it will be sent when the connection returns.'),
    ).toBeInTheDocument();
    expect(refresh).toHaveBeenCalled();
    expect(onDone).toHaveBeenCalled();
  });

  it('a toggle is queued and said so; an OFFLINE refusal is shown like any other error', async () => {
    api.listIntegrations.mockResolvedValue([shop]);
    api.disableIntegration.mockResolvedValue({ ...shop, enabled: false });
    const refresh = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<IntegrationsPage onConnect={vi.fn()} onEdit={vi.fn()} />, {}, offline(), { refresh });
    await user.click(await screen.findByRole('switch', { name: 'Enabled: Shop thời trang' }));
    expect(api.disableIntegration).toHaveBeenCalledWith('shop-1');
    expect(
      await screen.findByText('Turned off “Shop thời trang”; it will be sent when the connection returns.'),
    ).toBeInTheDocument();
    expect(refresh).toHaveBeenCalledTimes(1);

    api.enableIntegration.mockRejectedValue(
      new BackendError({ code: 'OFFLINE', message: 'The shared database cannot be reached; try again when it is back.' }),
    );
    await user.click(screen.getByRole('switch', { name: 'Enabled: Shop thời trang' }));
    expect(await screen.findByText('The shared database cannot be reached; try again when it is back.')).toBeInTheDocument();
    expect(refresh).toHaveBeenCalledTimes(2);
  });
});

describe('when the data moves underneath', () => {
  // The clock is fake: the polls that bring the new versions happen exactly when the test says.
  afterEach(() => {
    vi.useRealTimers();
  });
  const elapse = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

  it('the edit form takes the new version while untouched, and never overwrites an edit in progress', async () => {
    vi.useFakeTimers();
    let version = 1;
    api.connectivityStatus.mockImplementation(async () => connectivity({ mode: 'ONLINE', dataVersion: version }));
    api.getIntegration
      .mockResolvedValueOnce(shop)
      .mockResolvedValueOnce({ ...shop, name: 'Tên mới từ máy khác', version: 5 })
      .mockResolvedValue({ ...shop, name: 'Lại đổi từ máy khác', version: 6 });
    renderWithProviders(
      <ConnectivityProvider intervalMs={10}>
        <EditIntegration id="shop-1" onDone={vi.fn()} onCancel={vi.fn()} />
      </ConnectivityProvider>,
    );
    await elapse(0);
    const name = screen.getByLabelText('Name');
    expect(name).toHaveValue('Shop thời trang');
    version = 2;
    await elapse(10);
    expect(name).toHaveValue('Tên mới từ máy khác');
    expect(screen.getByText('Version 5', { exact: false })).toBeInTheDocument();

    fireEvent.change(name, { target: { value: 'Tên mới từ máy khác!' } });
    const calls = api.getIntegration.mock.calls.length;
    const polls = api.connectivityStatus.mock.calls.length;
    version = 3;
    await elapse(1000);
    // A hundred polls saw version 3, and the edit in progress was kept.
    expect(api.connectivityStatus.mock.calls.length - polls).toBe(100);
    expect(name).toHaveValue('Tên mới từ máy khác!');
    expect(api.getIntegration.mock.calls.length).toBe(calls);
  });
});
