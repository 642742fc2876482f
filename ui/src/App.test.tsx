import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { Root } from './App';
import { BackendError } from './backend';
import { account, connectivity, integration, progress, readyStatus } from './test/fakeBackend';
import { api } from './test/render';

/** Lets `ms` pass on the fake clock (tests that poll turn it on): timers due fire, promises settle. */
const elapse = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

describe('App', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('on first run chooses the embedded database, then creates a workspace and lands on the empty list', async () => {
    api.appStatus.mockResolvedValue({ ...readyStatus, firstRun: true });
    api.configureDatabase.mockResolvedValue(readyStatus);
    api.signUp.mockResolvedValue(account);
    const user = userEvent.setup();
    render(<Root />);

    expect(await screen.findByRole('radio', { name: /Use the embedded database \(recommended\)/ })).toBeChecked();
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(api.configureDatabase).toHaveBeenCalledWith({ postgresUrl: null, masterKey: null });

    // No email remembered yet: the form opens on "Create workspace".
    expect(await screen.findByRole('tab', { name: 'Create workspace' })).toHaveAttribute('aria-selected', 'true');
    await user.type(screen.getByLabelText('Workspace name'), 'Shop thời trang');
    await user.type(screen.getByLabelText('Email'), 'chu@shop.vn');
    await user.type(screen.getByLabelText('Password'), 'mật khẩu dài');
    await user.click(screen.getByRole('button', { name: 'Create workspace' }));

    expect(api.signUp).toHaveBeenCalledWith({ tenantName: 'Shop thời trang', email: 'chu@shop.vn', password: 'mật khẩu dài' });
    expect(await screen.findByText('No integrations yet')).toBeInTheDocument();
    expect(screen.getByTestId('workspace-name')).toHaveTextContent('Shop thời trang');
    expect(screen.getByText('chu@shop.vn')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
  });

  it('treats the shared PostgreSQL URL and master key as secrets and shows a configuration error inline', async () => {
    api.appStatus.mockResolvedValue({ ...readyStatus, firstRun: true });
    api.configureDatabase.mockRejectedValue(
      new BackendError({ code: 'CONFIGURATION', message: 'The master key must be at least 32 characters.' }),
    );
    const user = userEvent.setup();
    render(<Root />);

    await user.click(await screen.findByRole('radio', { name: /Connect to a shared PostgreSQL/ }));
    expect(screen.getByLabelText('Master key')).toHaveAttribute('type', 'password');
    expect(screen.getByLabelText('PostgreSQL URL')).toHaveAttribute('type', 'password');
    await user.type(screen.getByLabelText('PostgreSQL URL'), 'postgres://u:p@db/x');
    await user.type(screen.getByLabelText('Master key'), 'short');
    await user.click(screen.getByRole('button', { name: 'Continue' }));

    expect(api.configureDatabase).toHaveBeenCalledWith({ postgresUrl: 'postgres://u:p@db/x', masterKey: 'short' });
    expect(await screen.findByRole('alert')).toHaveTextContent('The master key must be at least 32 characters.');
  });

  it('prefills the last signed-in email and shows a failed sign-in inline', async () => {
    api.getPreferences.mockResolvedValue({ language: 'en', theme: 'light', lastEmail: 'chu@shop.vn' });
    api.signIn.mockRejectedValue(new BackendError({ code: 'UNAUTHENTICATED', message: 'Incorrect email or password.' }));
    const user = userEvent.setup();
    render(<Root />);

    expect(await screen.findByLabelText('Email')).toHaveValue('chu@shop.vn');
    await user.type(screen.getByLabelText('Password'), 'wrong password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(api.signIn).toHaveBeenCalledWith({ email: 'chu@shop.vn', password: 'wrong password' });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Incorrect email or password.');
    expect(alert).toHaveAttribute('data-code', 'UNAUTHENTICATED');
  });

  it('switches between the two forms with the arrow keys, as tabs do', async () => {
    api.getPreferences.mockResolvedValue({ language: 'en', theme: 'light', lastEmail: 'chu@shop.vn' });
    const user = userEvent.setup();
    render(<Root />);
    const signIn = await screen.findByRole('tab', { name: 'Sign in' });
    signIn.focus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Create workspace' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tab', { name: 'Create workspace' })).toHaveFocus();
    expect(screen.getByRole('form', { name: 'Create workspace' })).toBeInTheDocument();
  });

  it('explains why it cannot start when the core failed to open', async () => {
    api.appStatus.mockResolvedValue({
      ...readyStatus,
      coreError: { code: 'DATABASE_UNAVAILABLE', message: 'The database cannot be reached.' },
    });
    render(<Root />);
    expect(await screen.findByRole('alert')).toHaveTextContent('The database cannot be reached.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('speaks Vietnamese by default when the system language is Vietnamese', async () => {
    vi.stubGlobal('navigator', { ...navigator, language: 'vi-VN' });
    api.getPreferences.mockResolvedValue({ language: null, theme: 'system', lastEmail: null });
    render(<Root />);
    expect(await screen.findByRole('tab', { name: 'Tạo không gian làm việc' })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Đăng nhập' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('vi');
  });

  it('returns to sign-in with the notice when the session has ended', async () => {
    api.currentAccount.mockResolvedValue(account);
    api.listIntegrations.mockRejectedValue(new BackendError({ code: 'UNAUTHENTICATED', message: 'Your session has ended. Sign in again.' }));
    render(<Root />);
    expect(await screen.findByText('Your session has ended. Sign in again.')).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('in shared mode shows the offline banner on every page once signed in, and asks no more after sign-out', async () => {
    vi.useFakeTimers();
    api.appStatus.mockResolvedValue({ ...readyStatus, mode: 'shared' });
    api.currentAccount.mockResolvedValue(account);
    api.listIntegrations.mockResolvedValue([integration({ name: 'Shop thời trang' })]);
    api.connectivityStatus.mockResolvedValue(connectivity({ mode: 'OFFLINE', mirrorAsOf: null, dataVersion: 4 }));
    render(<Root />);
    await elapse(0);
    expect(screen.getByText('Offline — never synced with the server')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Test Shop thời trang' })).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: /Settings/ }));
    expect(screen.getByText('Offline — never synced with the server')).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await elapse(0);
    expect(screen.getByRole('tab', { name: 'Sign in' })).toBeInTheDocument();
    const calls = api.connectivityStatus.mock.calls.length;
    window.dispatchEvent(new Event('focus'));
    await elapse(60_000);
    expect(api.connectivityStatus.mock.calls.length).toBe(calls);
  });

  it('asks for sync progress every second while a sync runs, and no more after sign-out', async () => {
    vi.useFakeTimers();
    api.currentAccount.mockResolvedValue(account);
    const shop = integration({ name: 'Shop thời trang' });
    api.listIntegrations.mockResolvedValue([shop]);
    api.syncActivity.mockResolvedValue([progress({ integrationId: shop.id, stream: 'orders', records: 10, done: 1, total: 3 })]);
    render(<Root />);
    await elapse(0);
    expect(screen.getByRole('progressbar', { name: 'Syncing Shop thời trang' })).toBeInTheDocument();
    expect(api.syncActivity).toHaveBeenCalledTimes(1);
    await elapse(999);
    expect(api.syncActivity).toHaveBeenCalledTimes(1);
    await elapse(1);
    expect(api.syncActivity).toHaveBeenCalledTimes(2);
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await elapse(0);
    expect(screen.getByRole('tab', { name: 'Sign in' })).toBeInTheDocument();
    const calls = api.syncActivity.mock.calls.length;
    await elapse(60_000);
    expect(api.syncActivity.mock.calls.length).toBe(calls);
  });

  it('opens the analytics from the header, and reloads its report when the data moves', async () => {
    api.appStatus.mockResolvedValue({ ...readyStatus, mode: 'shared' });
    api.currentAccount.mockResolvedValue(account);
    api.listIntegrations.mockResolvedValue([integration({ name: 'Cửa hàng Hà Nội' })]);
    api.connectivityStatus.mockResolvedValue(connectivity({ mode: 'ONLINE', dataVersion: 4 }));
    const zero = { spendMinor: 0, impressions: 0, clicks: 0, metaPurchases: 0, metaPurchaseValueMinor: 0, revenueMinor: 0,
      orders: 0, averageOrderValueMinor: null, roasMeta: null, roasPos: null };
    api.report.mockImplementation(async (query) => ({
      ...query, store: null, timeZone: 'Asia/Ho_Chi_Minh', spendCurrency: null, revenueCurrency: null,
      spendExponent: 0, revenueExponent: 0, rows: [],
      totals: zero, warnings: [], source: { kind: 'server' }, generatedAt: '2026-11-24T18:30:00Z',
    }));
    const user = userEvent.setup();
    render(<Root />);
    const nav = await screen.findByRole('navigation', { name: 'Pages' });
    const [integrations, analytics] = ['Integrations', 'Analytics'].map((name) => screen.getByRole('button', { name }));
    expect(integrations).toHaveAttribute('aria-current', 'page');
    expect(nav).toContainElement(analytics);

    await user.click(analytics);
    expect(await screen.findByRole('heading', { name: 'Analytics' })).toBeInTheDocument();
    expect(analytics).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByText('No data in this range')).toBeInTheDocument();
    expect(api.report).toHaveBeenCalledTimes(1);

    // Another computer synced: the core's data version moves, the report is asked again.
    api.connectivityStatus.mockResolvedValue(connectivity({ mode: 'ONLINE', dataVersion: 5 }));
    window.dispatchEvent(new Event('focus'));
    await waitFor(() => expect(api.report).toHaveBeenCalledTimes(2));

    await user.click(integrations);
    expect(await screen.findByRole('heading', { name: 'Integrations' })).toBeInTheDocument();
  });
});
