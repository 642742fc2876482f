import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { BackendError } from '../backend';
import { SyncContext, syncState } from '../sync';
import { integration, progress, schedule, syncRun } from '../test/fakeBackend';
import { api, renderWithProviders } from '../test/render';
import type { Connectivity, Integration, Preferences } from '../types';
import { IntegrationsPage } from './IntegrationsPage';
import { SyncHistoryDialog } from './SyncHistoryDialog';

const shop = integration({ id: 'shop-1', name: 'Shop thời trang' });
const inHalfAnHour = () => new Date(Date.now() + 30 * 60_000).toISOString();
const timeOf = (iso: string, locale: string) => new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(iso));

const runs = [
  syncRun({ id: 'r3', trigger: 'MANUAL', outcome: 'RUNNING', startedAt: '2025-06-02T08:20:00Z', finishedAt: null, counts: {} }),
  syncRun({ id: 'r2', startedAt: '2025-06-02T07:00:00Z', finishedAt: '2025-06-02T07:01:12Z', counts: { stock: 60, orders: 1234, variations: 30 } }),
  syncRun({
    id: 'r1', trigger: 'MANUAL', outcome: 'FAILED', startedAt: '2025-06-02T06:00:00Z', finishedAt: '2025-06-02T06:00:09Z',
    counts: { orders: 150 }, error: 'Pancake POS rejected the API key. Reconnect this integration with new credentials.',
    errorCode: 'PROVIDER_AUTH_REJECTED',
  }),
];

function open(
  options: { item?: Integration; preferences?: Partial<Preferences>; connectivity?: Partial<Connectivity> } = {},
) {
  const { item = shop, preferences = {}, connectivity } = options;
  const onClose = vi.fn();
  const user = userEvent.setup();
  renderWithProviders(<SyncHistoryDialog integration={item} onClose={onClose} />, preferences, connectivity);
  return { user, onClose, dialog: screen.getByRole('dialog') };
}

describe('SyncHistoryDialog', () => {
  // The next run is shown as a time when it is today and with its date otherwise; a clock in
  // the morning keeps "in half an hour" and "in 150 minutes" today whenever the suite runs.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2026, 2, 2, 9, 0));
  });
  afterEach(() => vi.useRealTimers());

  it('shows the schedule and the runs: started, duration, trigger, outcome, counts per stream, error', async () => {
    const next = inHalfAnHour();
    api.syncSchedule.mockResolvedValue(schedule({ integrationId: 'shop-1', nextRunAt: next }));
    api.syncHistory.mockResolvedValue(runs);
    const { dialog } = open();
    expect(dialog).toHaveAccessibleName('Sync history');
    expect(within(dialog).getByText('Shop thời trang · Pancake POS')).toBeInTheDocument();

    const table = await within(dialog).findByRole('table', { name: 'Recent runs' });
    expect(api.syncSchedule).toHaveBeenCalledWith('shop-1');
    expect(api.syncHistory).toHaveBeenCalledWith('shop-1', 50);
    expect(within(dialog).getByTestId('schedule-summary')).toHaveTextContent(`Every 60 minutes · next at ${timeOf(next, 'en-US')}`);
    expect(dialog).toHaveAccessibleDescription(`Every 60 minutes · next at ${timeOf(next, 'en-US')}`);
    expect(within(dialog).getByLabelText('Sync every')).toHaveValue('60');

    const [, running, done, failed] = within(table).getAllByRole('row');
    expect(within(running).getByText('Running…')).toBeInTheDocument();
    expect(within(running).getByText('Manual')).toBeInTheDocument();
    expect(within(running).getByText('Running')).toHaveClass('badge-running');

    expect(within(done).getByText('1 min 12 s')).toBeInTheDocument();
    expect(within(done).getByText('Scheduled')).toBeInTheDocument();
    expect(within(done).getByText('Succeeded')).toHaveClass('badge', 'badge-succeeded');
    // Streams in the order a run goes through them, whatever order the core sent.
    expect(within(done).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Orders 1,234', 'Products 30', 'Stock 60']);
    expect(within(done).getByText((_, el) => el?.tagName === 'TIME')).toHaveAttribute('dateTime', '2025-06-02T07:00:00Z');

    expect(within(failed).getByText('Failed')).toHaveClass('badge-failed');
    expect(within(failed).getByText('9 s')).toBeInTheDocument();
    expect(within(failed).getByText(/Pancake POS rejected the API key\./)).toHaveAttribute('title', 'PROVIDER_AUTH_REJECTED');
  });

  it('changes the interval with set_sync_interval in minutes and shows the new schedule', async () => {
    api.syncSchedule.mockResolvedValue(schedule({ integrationId: 'shop-1', nextRunAt: inHalfAnHour() }));
    api.syncHistory.mockResolvedValue(runs);
    const later = new Date(Date.now() + 150 * 60_000).toISOString();
    api.setSyncInterval.mockResolvedValue(schedule({ integrationId: 'shop-1', intervalMinutes: 180, nextRunAt: later }));
    const { user, dialog } = open();
    const select = await within(dialog).findByLabelText('Sync every');
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual([
      '15 minutes', '30 minutes', '1 hour', '3 hours', '6 hours', '12 hours', '24 hours',
    ]);
    await user.selectOptions(select, '3 hours');
    expect(api.setSyncInterval).toHaveBeenCalledWith('shop-1', 180);
    expect(await screen.findByText('“Shop thời trang” now syncs every 3 hours.')).toBeInTheDocument();
    expect(within(dialog).getByTestId('schedule-summary')).toHaveTextContent(/^Every 3 hours · next at /);
    expect(select).toHaveValue('180');
    expect(select).toBeEnabled();
  });

  it('keeps the interval when the core refuses the change, and says why', async () => {
    api.syncSchedule.mockResolvedValue(schedule({ integrationId: 'shop-1', intervalMinutes: 45 }));
    api.syncHistory.mockResolvedValue([]);
    api.setSyncInterval.mockRejectedValue(
      new BackendError({ code: 'VALIDATION', message: 'The sync interval must be between 5 minutes and 7 days.' }),
    );
    const { user, dialog } = open();
    const select = await within(dialog).findByLabelText('Sync every');
    // An interval set elsewhere (e.g. the CLI) is offered too.
    expect(select).toHaveValue('45');
    expect(within(select).getByRole('option', { name: '45 minutes' })).toBeInTheDocument();
    await user.selectOptions(select, '15');
    expect(await screen.findByText('The sync interval must be between 5 minutes and 7 days.')).toBeInTheDocument();
    expect(select).toHaveValue('45');
  });

  it('has an empty state when there are no runs', async () => {
    api.syncSchedule.mockResolvedValue(schedule({ integrationId: 'shop-1' }));
    api.syncHistory.mockResolvedValue([]);
    const { dialog } = open();
    expect(await within(dialog).findByText('No syncs yet')).toBeInTheDocument();
    expect(within(dialog).getByText(/Each run shows here once it starts/)).toBeInTheDocument();
    expect(within(dialog).queryByRole('table')).not.toBeInTheDocument();
  });

  it('has no schedule while the integration is off, and cannot sync it', async () => {
    const off = integration({ id: 'shop-9', name: 'Mỹ phẩm Hà Nội', enabled: false, status: 'DISABLED' });
    api.syncSchedule.mockResolvedValue(null);
    api.syncHistory.mockResolvedValue([]);
    const { dialog } = open({ item: off });
    expect(await within(dialog).findByText('Turned off: it does not sync until you turn it on.')).toBeInTheDocument();
    expect(within(dialog).queryByLabelText('Sync every')).not.toBeInTheDocument();
    const button = within(dialog).getByRole('button', { name: 'Sync now: Mỹ phẩm Hà Nội' });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute('title', 'Turn it on to sync');
  });

  it('works offline from the mirror; only the interval (and Sync now) need the server', async () => {
    api.syncSchedule.mockResolvedValue(schedule({ integrationId: 'shop-1' }));
    api.syncHistory.mockResolvedValue(runs);
    const { dialog } = open({ connectivity: { mode: 'OFFLINE' } });
    expect(await within(dialog).findByRole('table')).toBeInTheDocument();
    const select = within(dialog).getByLabelText('Sync every');
    expect(select).toBeDisabled();
    expect(select).toHaveAccessibleDescription('Needs the server — you are offline');
    expect(within(dialog).getByRole('button', { name: 'Sync now: Shop thời trang' })).toBeDisabled();
  });

  it('shows the run in progress above the runs', async () => {
    api.syncSchedule.mockResolvedValue(schedule({ integrationId: 'shop-1', running: true }));
    api.syncHistory.mockResolvedValue(runs);
    const activity = new Map([['shop-1', progress({ integrationId: 'shop-1', stream: 'variations', records: 480, done: 1, total: 2 })]]);
    renderWithProviders(
      <SyncContext.Provider value={syncState({ activity })}>
        <SyncHistoryDialog integration={shop} onClose={vi.fn()} />
      </SyncContext.Provider>,
      { language: 'vi' },
    );
    const dialog = screen.getByRole('dialog', { name: 'Lịch sử đồng bộ' });
    await within(dialog).findByRole('table', { name: 'Các lần đồng bộ gần đây' });
    expect(within(dialog).getByTestId('schedule-summary')).toHaveTextContent('Mỗi 60 phút · đang đồng bộ');
    expect(within(dialog).getByRole('progressbar', { name: 'Đang đồng bộ Shop thời trang' })).toHaveAttribute(
      'aria-valuetext',
      'Sản phẩm: 480 bản ghi',
    );
    expect(within(dialog).getByRole('button', { name: 'Đang đồng bộ Shop thời trang' })).toBeDisabled();
    const done = within(dialog).getAllByRole('row')[2];
    expect(within(done).getByText('Theo lịch')).toBeInTheDocument();
    expect(within(done).getByText('Thành công')).toBeInTheDocument();
    expect(within(done).getByText('1 phút 12 giây')).toBeInTheDocument();
    expect(within(done).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Đơn hàng 1.234', 'Sản phẩm 30', 'Tồn kho 60']);
  });

  it('shows a load failure with a retry', async () => {
    api.syncSchedule.mockResolvedValue(schedule());
    api.syncHistory
      .mockRejectedValueOnce(new BackendError({ code: 'DATABASE_UNAVAILABLE', message: 'The database cannot be reached.' }))
      .mockResolvedValueOnce([]);
    const { user, dialog } = open();
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('The database cannot be reached.');
    await user.click(within(dialog).getByRole('button', { name: 'Try again' }));
    expect(await within(dialog).findByText('No syncs yet')).toBeInTheDocument();
  });

  it('opens from the row’s History button and gives the focus back when closed', async () => {
    api.listIntegrations.mockResolvedValue([shop]);
    api.syncSchedule.mockResolvedValue(schedule({ integrationId: 'shop-1' }));
    api.syncHistory.mockResolvedValue(runs);
    const user = userEvent.setup();
    renderWithProviders(<IntegrationsPage onConnect={vi.fn()} onEdit={vi.fn()} />);
    const history = await screen.findByRole('button', { name: 'Sync history: Shop thời trang' });
    expect(history).toHaveTextContent('History');
    await user.click(history);
    const dialog = screen.getByRole('dialog', { name: 'Sync history' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    // The ✕ in the title row has the focus; the footer has a Close button too.
    expect(within(dialog).getAllByRole('button', { name: 'Close' })[0]).toHaveFocus();
    await within(dialog).findByRole('table');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(history).toHaveFocus();
  });
});
