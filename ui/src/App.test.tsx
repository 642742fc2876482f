import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { Root } from './App';
import { BackendError } from './backend';
import { account, connectivity, integration, progress, readyStatus } from './test/fakeBackend';
import { expectNoFieldsetInFlexColumn } from './test/layout';
import { api } from './test/render';

/** Lets `ms` pass on the fake clock (tests that poll turn it on): timers due fire, promises settle. */
const elapse = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

/** The app on a computer with no database chosen yet: rendered, and the user who will choose. */
function startFirstRun() {
  api.appStatus.mockResolvedValue({ ...readyStatus, firstRun: true });
  const user = userEvent.setup();
  render(<Root />);
  return user;
}

describe('App', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('on first run chooses the embedded database, then creates a workspace and lands on the empty list', async () => {
    api.configureDatabase.mockResolvedValue(readyStatus);
    api.signUp.mockResolvedValue(account);
    const user = startFirstRun();

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

  it('lays the first-run choice out so that no empty band opens under it when the page is reloaded', async () => {
    startFirstRun();
    // The page reloaded into a shown window (reopened from the tray) lays it out once: as an
    // item of a flex column, WebKitGTK made it a legend taller, a gap above Continue.
    const choice = await screen.findByRole('group', { name: 'Where to keep your data' });
    expect(choice.parentElement).toHaveClass('stack');
    expectNoFieldsetInFlexColumn();
  });

  const CODE = 'imc1.eyJzZXJ2ZXIiOiJkYi5zaG9wLnZuIn0.QUJDREVGR0hJ';
  const joinedStatus = {
    ...readyStatus,
    mode: 'shared' as const,
    workspace: {
      server: 'db.shop.vn:5432/integrations',
      workspaceId: '7d0c1c5e-2f7a-4c8e-9a51-3f1d2b6e8a90',
      workspaceName: 'Shop thời trang',
      keyLocation: 'keychain' as const,
    },
  };

  it('on first run joins a shared workspace with a pasted code, then asks to sign in', async () => {
    api.joinWorkspace.mockResolvedValue(joinedStatus);
    const user = startFirstRun();

    await user.click(await screen.findByRole('radio', { name: /Join a shared workspace/ }));
    // The URL and master-key fields are gone: a code is all a client needs.
    expect(screen.queryByLabelText('Master key')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('PostgreSQL URL')).not.toBeInTheDocument();
    const field = screen.getByLabelText('Connection code');
    expect(field).toHaveAttribute('spellcheck', 'false');
    expect(field).toHaveAttribute('autocomplete', 'off');
    // A code wrapped by an email client arrives with spaces around it.
    await user.click(field);
    await user.paste(`  ${CODE}\n`);
    await user.click(screen.getByRole('button', { name: 'Join workspace' }));

    expect(api.joinWorkspace).toHaveBeenCalledWith(CODE);
    expect(api.configureDatabase).not.toHaveBeenCalled();
    // Its users exist already: the sign-in form names the workspace, and none is created here.
    expect(await screen.findByRole('heading', { name: 'Sign in to Shop thời trang' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByRole('tab', { name: 'Create workspace' })).not.toBeInTheDocument();
    // The code does not stay on screen once the workspace is joined.
    expect(document.body.textContent).not.toContain(CODE);
  });

  it('reads the code from the file the administrator sent', async () => {
    api.joinWorkspace.mockResolvedValue(joinedStatus);
    const user = startFirstRun();

    await user.click(await screen.findByRole('radio', { name: /Join a shared workspace/ }));
    const file = new File([`${CODE}\n`], 'shop-thoi-trang.code', { type: 'text/plain' });
    await user.upload(screen.getByTestId('join-code-file'), file);
    await waitFor(() => expect(screen.getByLabelText('Connection code')).toHaveValue(CODE));
    await user.click(screen.getByRole('button', { name: 'Join workspace' }));
    expect(api.joinWorkspace).toHaveBeenCalledWith(CODE);
  });

  it.each([
    ['VALIDATION', 'This is not a valid connection code', 'Mã kết nối không hợp lệ'],
    ['UNAUTHENTICATED', 'access to the workspace was revoked or replaced', 'đã bị thu hồi'],
    ['DATABASE_UNAVAILABLE', 'server cannot be reached', 'Không kết nối được tới máy chủ'],
  ] as const)('explains a %s refusal of the code in English and Vietnamese, and stays on the screen', async (code, english, vietnamese) => {
    api.joinWorkspace.mockRejectedValue(new BackendError({ code, message: 'core detail' }));
    const user = startFirstRun();

    await user.click(await screen.findByRole('radio', { name: /Join a shared workspace/ }));
    await user.type(screen.getByLabelText('Connection code'), 'imc1.bad');
    await user.click(screen.getByRole('button', { name: 'Join workspace' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(english);
    expect(alert).toHaveAttribute('data-code', code);
    // The code is still there to correct.
    expect(screen.getByLabelText('Connection code')).toHaveValue('imc1.bad');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Language' }), 'vi');
    expect(await screen.findByRole('alert')).toHaveTextContent(vietnamese);
  });

  it('shows the joined workspace in Settings and leaves it only after confirming', async () => {
    api.appStatus.mockResolvedValue(joinedStatus);
    api.currentAccount.mockResolvedValue(account);
    api.leaveWorkspace.mockImplementation(async () => {
      api.appStatus.mockResolvedValue({ ...readyStatus, firstRun: true });
      return { ...readyStatus, firstRun: true };
    });
    const user = userEvent.setup();
    render(<Root />);

    await user.click(await screen.findByRole('button', { name: 'Settings' }));
    expect(screen.getByRole('heading', { name: 'Shared workspace' })).toBeInTheDocument();
    expect(screen.getByTestId('joined-workspace')).toHaveTextContent('Shop thời trang');
    expect(screen.getByTestId('joined-server')).toHaveTextContent('db.shop.vn:5432/integrations');
    expect(screen.getByText('the system keychain')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Leave this workspace' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Leave this workspace?' });
    expect(dialog).toHaveTextContent('Leave “Shop thời trang” on this computer?');
    // The safe choice has the focus, and cancelling changes nothing.
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(api.leaveWorkspace).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Leave this workspace' }));
    await user.click(
      within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Leave this workspace' }),
    );
    expect(api.leaveWorkspace).toHaveBeenCalledTimes(1);
    // Back to the first-run choice: this computer never had a database of its own.
    expect(await screen.findByRole('radio', { name: /Use the embedded database/ })).toBeChecked();
  });

  it('keeps the workspace and says why when leaving fails', async () => {
    api.appStatus.mockResolvedValue(joinedStatus);
    api.currentAccount.mockResolvedValue(account);
    api.leaveWorkspace.mockRejectedValue(new BackendError({ code: 'CONFIGURATION', message: 'Cannot remove the local copy.' }));
    const user = userEvent.setup();
    render(<Root />);

    await user.click(await screen.findByRole('button', { name: 'Settings' }));
    await user.click(screen.getByRole('button', { name: 'Leave this workspace' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Leave this workspace' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not leave the workspace: Cannot remove the local copy.');
    expect(screen.getByTestId('joined-workspace')).toHaveTextContent('Shop thời trang');
  });

  it("opens the Alerts page when the tray's alerts line is chosen, from any page", async () => {
    api.currentAccount.mockResolvedValue(account);
    let openAlerts: (() => void) | undefined;
    api.onOpenAlerts.mockImplementation(async (handler: () => void) => {
      openAlerts = handler;
      return () => undefined;
    });
    const user = userEvent.setup();
    render(<Root />);
    await user.click(await screen.findByRole('button', { name: 'Settings' }));
    expect(screen.queryByRole('heading', { level: 1, name: 'Alerts' })).not.toBeInTheDocument();
    await waitFor(() => expect(openAlerts).toBeDefined());
    act(() => openAlerts?.());
    expect(await screen.findByRole('heading', { level: 1, name: 'Alerts' })).toBeInTheDocument();
  });

  it('shows no shared workspace in Settings when none is joined', async () => {
    api.currentAccount.mockResolvedValue(account);
    const user = userEvent.setup();
    render(<Root />);
    await user.click(await screen.findByRole('button', { name: 'Settings' }));
    expect(screen.getByRole('heading', { name: 'Workspace' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Shared workspace' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Leave this workspace' })).not.toBeInTheDocument();
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

  it('tells the desktop app once, after the first screen and not while starting, that it may show its window', async () => {
    let answer: (status: typeof readyStatus) => void = () => undefined;
    api.appStatus.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    api.currentAccount.mockResolvedValue(account);
    render(<Root />);
    expect(await screen.findByText('Starting Integration Manager…')).toBeInTheDocument();
    expect(api.firstScreenReady).not.toHaveBeenCalled();

    answer(readyStatus);
    expect(await screen.findByText('No integrations yet')).toBeInTheDocument();
    await waitFor(() => expect(api.firstScreenReady).toHaveBeenCalledTimes(1));
    const [timings] = api.firstScreenReady.mock.calls[0];
    // The page's clock, in order: script running, core answered, first screen rendered.
    expect(timings.scriptStarted).toBeLessThanOrEqual(timings.coreAnswered);
    expect(timings.coreAnswered).toBeLessThanOrEqual(timings.rendered);

    // Later screens (here: signed out) do not say it again.
    await userEvent.setup().click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('tab', { name: 'Sign in' })).toBeInTheDocument();
    expect(api.firstScreenReady).toHaveBeenCalledTimes(1);
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
