import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { BackendError } from '../backend';
import { account } from '../test/fakeBackend';
import { expectNoFieldsetInFlexColumn } from '../test/layout';
import { api, renderWithProviders } from '../test/render';
import { COMMON_TIME_ZONES, SettingsPage, timeZoneOptions } from './SettingsPage';

describe('SettingsPage', () => {
  it('switches the language to Vietnamese at once and saves it', async () => {
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage onBack={vi.fn()} />);
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    expectNoFieldsetInFlexColumn();
    await user.click(screen.getByRole('radio', { name: 'Tiếng Việt' }));
    expect(screen.getByRole('heading', { name: 'Cài đặt' })).toBeInTheDocument();
    expect(screen.getByRole('group', { name: 'Ngôn ngữ' })).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'Tối' })).toBeInTheDocument();
    expect(api.setPreferences).toHaveBeenLastCalledWith({ language: 'vi', theme: 'light', lastEmail: null });
    expect(document.documentElement.lang).toBe('vi');
  });

  it('sets data-theme on <html> when the theme changes', async () => {
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage onBack={vi.fn()} />);
    expect(document.documentElement).toHaveAttribute('data-theme', 'light');
    await user.click(screen.getByRole('radio', { name: 'Dark' }));
    expect(document.documentElement).toHaveAttribute('data-theme', 'dark');
    expect(api.setPreferences).toHaveBeenLastCalledWith({ language: 'en', theme: 'dark', lastEmail: null });
    await user.click(screen.getByRole('radio', { name: 'Light' }));
    expect(document.documentElement).toHaveAttribute('data-theme', 'light');
  });

  it('shows why saving failed, keeping the change for now', async () => {
    api.setPreferences.mockRejectedValue({ code: 'DATABASE_UNAVAILABLE', message: 'The database cannot be reached.' });
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage onBack={vi.fn()} />);
    await user.click(screen.getByRole('radio', { name: 'Dark' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not save the settings: The database cannot be reached.');
    expect(document.documentElement).toHaveAttribute('data-theme', 'dark');
  });
});

describe('SettingsPage, the workspace’s time zone', () => {
  const zoneSelect = () => screen.getByRole('combobox', { name: 'Time zone' });

  it('shows the workspace’s zone, Vietnam’s first among the common ones, then every IANA zone', () => {
    renderWithProviders(<SettingsPage onBack={vi.fn()} />);
    expect(screen.getByRole('heading', { name: 'Workspace' })).toBeInTheDocument();
    expect(screen.getByText('These apply to everyone in Shop thời trang.')).toBeInTheDocument();
    const select = zoneSelect();
    expect(select).toHaveValue('Asia/Ho_Chi_Minh');
    expect(select).toBeEnabled();
    expect(select).toHaveAccessibleDescription('Days in reports are counted in this time zone.');
    const common = within(screen.getByRole('group', { name: 'Common' })).getAllByRole('option');
    expect(common.map((o) => (o as HTMLOptionElement).value)).toEqual(COMMON_TIME_ZONES);
    expect(common[0]).toHaveTextContent('Asia/Ho_Chi_Minh (GMT+7)');
    const all = within(screen.getByRole('group', { name: 'All time zones' })).getAllByRole('option');
    const values = all.map((o) => (o as HTMLOptionElement).value);
    expect(values).toContain('America/Los_Angeles');
    expect(values).toContain('Europe/Paris');
    expect(values.length).toBeGreaterThan(300);
    // No zone twice, and not Vietnam's under its older name either.
    expect(values.some((zone) => COMMON_TIME_ZONES.includes(zone))).toBe(false);
    expect(values).not.toContain('Asia/Saigon');
  });

  it('keeps a current zone the list does not have', () => {
    expect(timeZoneOptions('Asia/Saigon').common[0]).toBe('Asia/Saigon');
    expect(timeZoneOptions('Europe/Paris').common).toEqual(COMMON_TIME_ZONES);
  });

  it('saves a new zone through the core, says so, and hands the app the new account', async () => {
    api.setTimeZone.mockImplementation(async (timeZone) => ({ ...account, timeZone }));
    const updated = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage onBack={vi.fn()} />, {}, undefined, {}, { onAccountUpdated: updated });
    await user.selectOptions(zoneSelect(), 'America/Los_Angeles');
    expect(api.setTimeZone).toHaveBeenCalledWith('America/Los_Angeles');
    expect(await screen.findByText('Time zone set to America/Los_Angeles.')).toBeInTheDocument();
    expect(updated).toHaveBeenCalledWith({ ...account, timeZone: 'America/Los_Angeles' });
    expect(zoneSelect()).toHaveValue('America/Los_Angeles');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows why the core refused, and goes back to the zone the workspace still has', async () => {
    api.setTimeZone.mockRejectedValue(
      new BackendError({ code: 'VALIDATION', message: 'Unknown time zone "Asia/Bangkok"; use an IANA name such as Asia/Ho_Chi_Minh.' }),
    );
    const updated = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage onBack={vi.fn()} />, {}, undefined, {}, { onAccountUpdated: updated });
    await user.selectOptions(zoneSelect(), 'Asia/Bangkok');
    expect(api.setTimeZone).toHaveBeenCalledWith('Asia/Bangkok');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not change the time zone: Unknown time zone "Asia/Bangkok"');
    expect(alert).toHaveAttribute('data-code', 'VALIDATION');
    await waitFor(() => expect(zoneSelect()).toHaveValue('Asia/Ho_Chi_Minh'));
    expect(updated).not.toHaveBeenCalled();
  });

  it('asks again about the connection when the core says it is offline', async () => {
    api.setTimeZone.mockRejectedValue(
      new BackendError({ code: 'OFFLINE', message: 'You are offline: changing the workspace’s time zone needs the shared database.' }),
    );
    const refresh = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage onBack={vi.fn()} />, {}, { mode: 'ONLINE' }, { refresh });
    await user.selectOptions(zoneSelect(), 'UTC');
    expect(await screen.findByRole('alert')).toHaveTextContent('needs the shared database');
    expect(refresh).toHaveBeenCalled();
    expect(zoneSelect()).toHaveValue('Asia/Ho_Chi_Minh');
  });

  it('cannot be changed offline, and says why', () => {
    renderWithProviders(<SettingsPage onBack={vi.fn()} />, {}, { mode: 'OFFLINE' });
    expect(zoneSelect()).toBeDisabled();
    expect(zoneSelect()).toHaveAccessibleDescription(
      'Days in reports are counted in this time zone. Changing the time zone needs the server — you are offline. Try again when the connection returns.',
    );
    // The computer's own settings still work.
    expect(screen.getByRole('radio', { name: 'Dark' })).toBeEnabled();
  });

  it('reads in Vietnamese', () => {
    renderWithProviders(<SettingsPage onBack={vi.fn()} />, { language: 'vi' });
    expect(screen.getByRole('heading', { name: 'Không gian làm việc' })).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Múi giờ' })).toHaveAccessibleDescription('Ngày trong báo cáo được tính theo múi giờ này.');
    expect(screen.getByRole('group', { name: 'Thường dùng' })).toBeInTheDocument();
  });
});

describe('SettingsPage, the alert thresholds', () => {
  it('shows the workspace’s thresholds and saves them in the core’s units (ROAS in hundredths)', async () => {
    api.setAlertSettings.mockImplementation(async (settings) => settings);
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage onBack={vi.fn()} />);
    const failing = await screen.findByRole('spinbutton', { name: 'Sync failing for more than (hours)' });
    const floor = screen.getByRole('spinbutton', { name: 'ROAS (POS) floor over 7 days' });
    expect(failing).toHaveValue(6);
    expect(floor).toHaveValue(1);
    await user.clear(failing);
    await user.type(failing, '12');
    await user.clear(floor);
    await user.type(floor, '1.5');
    await user.click(within(screen.getByRole('region', { name: 'Alerts' })).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Alert thresholds saved.')).toBeInTheDocument();
    expect(api.setAlertSettings).toHaveBeenCalledTimes(1);
    expect(api.setAlertSettings.mock.calls[0][0]).toMatchObject({ syncFailingHours: 12, roasFloorPercent: 150, spendSpikePercent: 200 });
  });

  it('can be changed offline: the core keeps them on this computer, and the page says so', async () => {
    api.setAlertSettings.mockImplementation(async (settings) => settings);
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage onBack={vi.fn()} />, {}, { mode: 'OFFLINE' });
    const failing = await screen.findByRole('spinbutton', { name: 'Sync failing for more than (hours)' });
    expect(failing).toBeEnabled();
    expect(screen.getByText(/thresholds you save are kept on this computer/)).toBeInTheDocument();
    await user.clear(failing);
    await user.type(failing, '3');
    await user.click(within(screen.getByRole('region', { name: 'Alerts' })).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Alert thresholds saved on this computer; they reach the server when the connection returns.')).toBeInTheDocument();
    expect(api.setAlertSettings.mock.calls[0][0]).toMatchObject({ syncFailingHours: 3 });
  });

  it('shows the core’s refusal and keeps what was typed', async () => {
    api.setAlertSettings.mockRejectedValue({
      code: 'VALIDATION',
      message: 'A threshold (syncFailingHours) must be between 1 and 168; 200 is outside.',
    });
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage onBack={vi.fn()} />);
    const failing = await screen.findByRole('spinbutton', { name: 'Sync failing for more than (hours)' });
    await user.clear(failing);
    await user.type(failing, '100');
    await user.click(within(screen.getByRole('region', { name: 'Alerts' })).getByRole('button', { name: 'Save' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not save the thresholds: A threshold (syncFailingHours) must be between 1 and 168');
    expect(alert).toHaveAttribute('data-code', 'VALIDATION');
    expect(failing).toHaveValue(100);
  });
});
