import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { BackendError } from './backend';
import { IntegrationsPage } from './components/IntegrationsPage';
import { FAST_POLL_MS, SLOW_POLL_MS, SyncProvider } from './sync';
import { integration, progress, schedule } from './test/fakeBackend';
import { api, renderWithProviders } from './test/render';
import type { SyncProgress } from './types';

// The clock is fake: the polls' timing is checked to the millisecond however busy the machine is.
// (Clicks are fireEvent's: user-event waits on a timer of its own, which a fake clock never fires.)
beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Lets `ms` pass on the fake clock: the timers due fire, and the promises they settle run. */
const elapse = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

const shop = integration({ id: 'shop-1', name: 'Shop thời trang', lastSyncAt: '2025-06-02T08:15:00Z' });
const shoes = integration({ id: 'shop-2', name: 'Giày dép Sài Gòn' });
const off = integration({ id: 'shop-3', name: 'Mỹ phẩm Hà Nội', enabled: false, status: 'DISABLED' });

const running = (records: number, done: number, total = 3): SyncProgress =>
  progress({ integrationId: 'shop-1', runId: 'run-9', integrationName: 'Shop thời trang', stream: 'orders', records, done, total });
const succeeded = progress({
  integrationId: 'shop-1', runId: 'run-9', integrationName: 'Shop thời trang', stream: '', records: 1234, done: 1, total: 1,
  outcome: 'SUCCEEDED',
});

/** `sync_activity` answers these in turn, then the last one forever; the call times are kept. */
function answers(list: SyncProgress[][]) {
  const times: number[] = [];
  api.syncActivity.mockImplementation(async () => {
    times.push(Date.now());
    return list[Math.min(times.length - 1, list.length - 1)];
  });
  return times;
}

/** The times of `times` from `start`, in milliseconds. */
const since = (start: number, times: number[]) => times.map((t) => t - start);

function renderPage(options: { fastMs?: number; slowMs?: number; language?: 'en' | 'vi' } = {}) {
  const { fastMs = 20, slowMs = 300, language = 'en' } = options;
  const view = renderWithProviders(
    <SyncProvider fastMs={fastMs} slowMs={slowMs}>
      <IntegrationsPage onConnect={vi.fn()} onEdit={vi.fn()} />
    </SyncProvider>,
    { language },
  );
  return view;
}

describe('SyncProvider', () => {
  it('polls every second while syncing and every five seconds otherwise, by default', () => {
    expect([FAST_POLL_MS, SLOW_POLL_MS]).toEqual([1000, 5000]);
  });

  it('polls fast while a run goes and slowly once idle, announces the end once and reloads the list once', async () => {
    const times = answers([[running(150, 1)], [running(300, 2)], [running(450, 3)], [succeeded]]);
    api.listIntegrations
      .mockResolvedValueOnce([shop, shoes])
      .mockResolvedValue([{ ...shop, lastSyncAt: '2025-06-02T09:30:00Z' }, shoes]);
    renderPage({ fastMs: 20, slowMs: 1500 });

    await elapse(0);
    const row = within(screen.getByRole('row', { name: /Shop thời trang/ }));
    const bar = row.getByRole('progressbar', { name: 'Syncing Shop thời trang' });
    expect(bar).toHaveAttribute('aria-valuemax', '3');
    expect(bar).toHaveAttribute('aria-valuenow', '1');
    expect(times).toHaveLength(1);

    // Fast while running: the next call 20 ms after each answer, not before.
    await elapse(19);
    expect(times).toHaveLength(1);
    await elapse(1);
    expect(times).toHaveLength(2);
    expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '2');
    await elapse(20);
    expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '3');
    expect(screen.queryByText(/Synced/)).not.toBeInTheDocument();
    await elapse(20);
    expect(times).toHaveLength(4);

    // The end: announced, the bar gone, the list reloaded once, quietly, with the new last sync.
    expect(screen.getByText('Synced “Shop thời trang”: 1,234 records.')).toBeInTheDocument();
    expect(row.queryByRole('progressbar')).not.toBeInTheDocument();
    expect(api.listIntegrations).toHaveBeenCalledTimes(2);
    expect(row.getByText((_, el) => el?.tagName === 'TIME')).toHaveAttribute('dateTime', '2025-06-02T09:30:00Z');

    // Slow once idle: nothing for 1.5 s, then one call every 1.5 s; the finished run, still
    // listed, is not announced again and does not reload the list again.
    await elapse(1499);
    expect(times).toHaveLength(4);
    await elapse(1);
    expect(times).toHaveLength(5);
    await elapse(1500);
    expect(times).toHaveLength(6);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps).toEqual([20, 20, 20, 1500, 1500]);
    expect(screen.getAllByText('Synced “Shop thời trang”: 1,234 records.')).toHaveLength(1);
    expect(api.listIntegrations).toHaveBeenCalledTimes(2);
  });

  it('does not announce a run that had already ended before the first answer', async () => {
    const times = answers([[succeeded]]);
    api.listIntegrations.mockResolvedValue([shop]);
    renderPage();
    await elapse(0);
    expect(screen.getByRole('table')).toBeInTheDocument();
    await elapse(1000);
    expect(times).toHaveLength(4);
    expect(screen.queryByText(/Synced/)).not.toBeInTheDocument();
    expect(api.listIntegrations).toHaveBeenCalledTimes(1);
  });

  it('Sync now: "Starting…" until the run shows, then its progress; polls fast meanwhile', async () => {
    let started = false;
    const times: number[] = [];
    api.syncActivity.mockImplementation(async () => {
      times.push(Date.now());
      return started ? [running(300, 2)] : [];
    });
    api.listIntegrations.mockResolvedValue([shop, shoes]);
    api.syncNow.mockResolvedValue(schedule({ integrationId: 'shop-1', requested: true }));
    const start = Date.now();
    renderPage({ slowMs: 5000 });
    await elapse(0);
    fireEvent.click(screen.getByRole('button', { name: 'Sync now: Shop thời trang' }));
    expect(api.syncNow).toHaveBeenCalledWith('shop-1');

    const row = within(screen.getByRole('row', { name: /Shop thời trang/ }));
    const bar = row.getByRole('progressbar', { name: 'Syncing Shop thời trang' });
    expect(bar).not.toHaveAttribute('aria-valuenow');
    expect(bar).toHaveAttribute('data-indeterminate', 'true');
    expect(row.getByText('Starting…')).toBeInTheDocument();
    expect(row.getByRole('button', { name: 'Syncing Shop thời trang' })).toBeDisabled();
    // Asked at once (no time has passed since the first call), then, though the run has not
    // started yet, every 20 ms rather than every 5 s.
    await elapse(0);
    expect(since(start, times)).toEqual([0, 0]);
    await elapse(100);
    expect(since(start, times)).toEqual([0, 0, 20, 40, 60, 80, 100]);
    expect(row.getByText('Starting…')).toBeInTheDocument();

    started = true;
    await elapse(20);
    expect(row.getByText('· 300 records')).toBeInTheDocument();
    expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '2');
    expect(within(screen.getByRole('row', { name: /Giày dép/ })).queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('a refused Sync now says why and frees the button', async () => {
    api.listIntegrations.mockResolvedValue([shop]);
    api.syncNow.mockRejectedValue(
      new BackendError({ code: 'VALIDATION', message: 'Turn this integration on first: only enabled integrations sync.' }),
    );
    renderPage();
    await elapse(0);
    fireEvent.click(screen.getByRole('button', { name: 'Sync now: Shop thời trang' }));
    await elapse(0);
    expect(screen.getByText('Turn this integration on first: only enabled integrations sync.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sync now: Shop thời trang' })).toBeEnabled();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('a failed run says why in an error toast, in Vietnamese', async () => {
    answers([
      [running(60, 1)],
      [progress({ integrationId: 'shop-1', runId: 'run-9', integrationName: 'Shop thời trang', stream: '', outcome: 'FAILED',
        error: 'Pancake POS rejected the API key.', errorCode: 'PROVIDER_AUTH_REJECTED' })],
    ]);
    api.listIntegrations.mockResolvedValue([shop]);
    renderPage({ language: 'vi' });
    await elapse(20);
    const toast = screen.getByText('Đồng bộ “Shop thời trang” thất bại: Pancake POS rejected the API key.');
    expect(toast.closest('[data-kind]')).toHaveAttribute('data-kind', 'error');
  });

  it('Sync all asks the core, says how many, and shows each as starting', async () => {
    api.listIntegrations.mockResolvedValue([shop, shoes, off]);
    api.syncAll.mockResolvedValue(2);
    renderPage({ slowMs: 5000 });
    await elapse(0);
    fireEvent.click(screen.getByRole('button', { name: 'Sync all now' }));
    await elapse(0);
    expect(api.syncAll).toHaveBeenCalledTimes(1);
    expect(screen.getByText('Syncing 2 integrations…')).toBeInTheDocument();
    expect(screen.getAllByRole('progressbar')).toHaveLength(2);
    expect(within(screen.getByRole('row', { name: /Mỹ phẩm/ })).queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('Sync all with nothing turned on says so', async () => {
    api.listIntegrations.mockResolvedValue([shop]);
    api.syncAll.mockResolvedValue(0);
    renderPage();
    await elapse(0);
    fireEvent.click(screen.getByRole('button', { name: 'Sync all now' }));
    await elapse(0);
    expect(screen.getByText('Nothing to sync: every integration is turned off.')).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('never has two calls in flight, and stops when signed out (unmounted)', async () => {
    let inFlight = 0;
    let most = 0;
    api.syncActivity.mockImplementation(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight -= 1;
      return [running(150, 1)];
    });
    api.listIntegrations.mockResolvedValue([shop, shoes]);
    api.syncNow.mockResolvedValue(schedule());
    const { unmount } = renderPage({ fastMs: 1 });
    await elapse(0);
    // "Sync now" asks at once while a call is in flight: the call waits for it.
    fireEvent.click(screen.getByRole('button', { name: 'Sync now: Giày dép Sài Gòn' }));
    await elapse(150);
    expect(most).toBe(1);
    // A call of 30 ms and a wait of 1 ms, one after the other: five of them in 150 ms, not more.
    expect(api.syncActivity.mock.calls.length).toBe(5);
    unmount();
    await elapse(60_000);
    expect(api.syncActivity.mock.calls.length).toBe(5);
  });
});
