import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { about, newerVersion } from '../test/fakeBackend';
import { api, renderWithProviders } from '../test/render';
import type { AvailableUpdate } from '../types';
import { UpdatesProvider } from '../updates';
import { SettingsPage } from './SettingsPage';
import { UpdatePanel } from './UpdatePanel';

const refused = {
  code: 'VALIDATION',
  message:
    "The update to version 0.2.0 was refused: its signature is not the release key's, so the download may have been tampered with. Nothing was installed; version 0.1.0 keeps running.",
};

function renderSettings(language: 'en' | 'vi' = 'en') {
  return renderWithProviders(
    <UpdatesProvider>
      <SettingsPage onBack={vi.fn()} />
    </UpdatesProvider>,
    { language },
  );
}

const aboutSection = () => screen.getByRole('region', { name: 'About' });
const updatePanel = () => within(aboutSection()).getByRole('region', { name: 'Update' });

describe('Settings → About', () => {
  it('shows the version, the commit and the data and log folders', async () => {
    renderSettings();
    const section = aboutSection();
    expect(await within(section).findByText(about.version)).toBeInTheDocument();
    expect(within(section).getByText(about.commit)).toBeInTheDocument();
    expect(within(section).getByText(about.dataDir)).toBeInTheDocument();
    expect(within(section).getByText(about.logDir)).toBeInTheDocument();
  });

  it('opens the logs folder, and says why when it cannot', async () => {
    const user = userEvent.setup();
    api.openLogFolder.mockResolvedValueOnce(null);
    renderSettings();
    await user.click(screen.getByRole('button', { name: 'Open logs folder' }));
    expect(api.openLogFolder).toHaveBeenCalledTimes(1);
    expect(within(aboutSection()).queryByRole('alert')).not.toBeInTheDocument();

    api.openLogFolder.mockRejectedValueOnce({ code: 'CONFIGURATION', message: 'Cannot open /logs in a file manager: no opener.' });
    await user.click(screen.getByRole('button', { name: 'Open logs folder' }));
    expect(await within(aboutSection()).findByRole('alert')).toHaveTextContent('Cannot open /logs in a file manager: no opener.');
  });

  it('says so when a check finds no newer version', async () => {
    const user = userEvent.setup();
    api.checkForUpdate.mockResolvedValue(null);
    renderSettings();
    await user.click(screen.getByRole('button', { name: 'Check for updates' }));
    expect(await screen.findByText('You have the latest version.')).toBeInTheDocument();
    expect(within(aboutSection()).queryByRole('region', { name: 'Update' })).not.toBeInTheDocument();
  });

  it('shows why a check failed', async () => {
    const user = userEvent.setup();
    api.checkForUpdate.mockRejectedValue({ code: 'OFFLINE', message: 'Could not reach the update server: 127.0.0.1 could not be reached (offline?).' });
    renderSettings();
    await user.click(screen.getByRole('button', { name: 'Check for updates' }));
    expect(await within(aboutSection()).findByRole('alert')).toHaveTextContent('Could not reach the update server');
  });

  it('offers a newer version with its notes, and installs only when asked, then restarts', async () => {
    const user = userEvent.setup();
    api.checkForUpdate.mockResolvedValue(newerVersion);
    api.installUpdate.mockResolvedValue('0.2.0');
    api.restartApp.mockReturnValue(new Promise(() => undefined));
    renderSettings();
    await user.click(screen.getByRole('button', { name: 'Check for updates' }));

    const panel = await waitFor(updatePanel);
    expect(within(panel).getByRole('heading', { name: 'Version 0.2.0 is available' })).toBeInTheDocument();
    expect(within(panel).getByText('You have version 0.1.0.')).toBeInTheDocument();
    expect(within(panel).getByTestId('update-notes')).toHaveTextContent('Đồng bộ nhanh hơn. Sửa lỗi hiển thị VND.');
    expect(api.installUpdate).not.toHaveBeenCalled();

    await user.click(within(panel).getByRole('button', { name: 'Install and restart' }));
    expect(await within(panel).findByText('Installed. Restarting…')).toBeInTheDocument();
    expect(api.installUpdate).toHaveBeenCalledTimes(1);
    expect(api.restartApp).toHaveBeenCalledTimes(1);
    expect(within(panel).getByRole('button', { name: 'Install and restart' })).toBeDisabled();
  });

  it('shows a refused update’s message and does not restart', async () => {
    const user = userEvent.setup();
    api.checkForUpdate.mockResolvedValue(newerVersion);
    api.installUpdate.mockRejectedValue(refused);
    renderSettings();
    await user.click(screen.getByRole('button', { name: 'Check for updates' }));
    const panel = await waitFor(updatePanel);
    await user.click(within(panel).getByRole('button', { name: 'Install and restart' }));

    const alert = await within(panel).findByRole('alert');
    expect(alert).toHaveTextContent(refused.message);
    expect(alert).toHaveAttribute('data-code', 'VALIDATION');
    expect(api.restartApp).not.toHaveBeenCalled();
    expect(within(panel).getByRole('button', { name: 'Install and restart' })).toBeEnabled();
  });

  it('shows the download’s progress while installing', async () => {
    const user = userEvent.setup();
    let progress: ((p: { downloaded: number; total: number | null }) => void) | undefined;
    api.onUpdateProgress.mockImplementation(async (handler) => {
      progress = handler;
      return () => undefined;
    });
    api.checkForUpdate.mockResolvedValue(newerVersion);
    api.installUpdate.mockReturnValue(new Promise(() => undefined));
    renderSettings();
    await user.click(screen.getByRole('button', { name: 'Check for updates' }));
    const panel = await waitFor(updatePanel);
    await user.click(within(panel).getByRole('button', { name: 'Install and restart' }));
    expect(await within(panel).findByText('Downloading…')).toBeInTheDocument();
    act(() => progress?.({ downloaded: 450, total: 1000 }));
    expect(within(panel).getByText('Downloading… 45%')).toBeInTheDocument();
  });
});

describe('Settings → start at login', () => {
  it('is off until turned on, and follows what the system answers', async () => {
    const user = userEvent.setup();
    api.setAutostart.mockImplementation(async (enabled) => enabled);
    renderSettings();
    const toggle = await screen.findByRole('switch', { name: 'Start at login' });
    await waitFor(() => expect(toggle).not.toHaveAttribute('aria-disabled'));
    expect(toggle).toHaveAttribute('aria-checked', 'false');
    expect(toggle).toHaveAccessibleDescription(
      'Opens Integration Manager in the tray when you log in to this computer, so syncs keep running.',
    );

    await user.click(toggle);
    expect(api.setAutostart).toHaveBeenLastCalledWith(true);
    await waitFor(() => expect(toggle).toHaveAttribute('aria-checked', 'true'));
    await user.click(toggle);
    expect(api.setAutostart).toHaveBeenLastCalledWith(false);
    await waitFor(() => expect(toggle).toHaveAttribute('aria-checked', 'false'));
  });

  it('stays as it was and says why when the system refuses', async () => {
    const user = userEvent.setup();
    api.setAutostart.mockRejectedValue({ code: 'CONFIGURATION', message: 'Cannot change start at login: permission denied' });
    renderSettings();
    const toggle = await screen.findByRole('switch', { name: 'Start at login' });
    await waitFor(() => expect(toggle).not.toHaveAttribute('aria-disabled'));
    await user.click(toggle);
    expect(await screen.findByRole('alert')).toHaveTextContent('Cannot change start at login: permission denied');
    expect(toggle).toHaveAttribute('aria-checked', 'false');
  });
});

describe('the update banner', () => {
  it('appears when the app’s own check finds a version, in Vietnamese too, and Later hides it', async () => {
    const user = userEvent.setup();
    let announce: ((update: AvailableUpdate) => void) | undefined;
    api.onUpdateAvailable.mockImplementation(async (handler) => {
      announce = handler;
      return () => undefined;
    });
    renderWithProviders(
      <UpdatesProvider>
        <UpdatePanel variant="banner" />
      </UpdatesProvider>,
      { language: 'vi' },
    );
    await waitFor(() => expect(announce).toBeDefined());
    expect(screen.queryByRole('region', { name: 'Cập nhật' })).not.toBeInTheDocument();

    act(() => announce?.(newerVersion));
    const banner = screen.getByRole('region', { name: 'Cập nhật' });
    expect(within(banner).getByRole('heading', { name: 'Đã có phiên bản 0.2.0' })).toBeInTheDocument();
    expect(within(banner).getByRole('button', { name: 'Cài đặt và khởi động lại' })).toBeEnabled();
    await user.click(within(banner).getByRole('button', { name: 'Để sau' }));
    expect(screen.queryByRole('region', { name: 'Cập nhật' })).not.toBeInTheDocument();
    expect(api.installUpdate).not.toHaveBeenCalled();
  });

  it('shows what the check at start found before the window listened', async () => {
    api.availableUpdate.mockResolvedValue(newerVersion);
    renderWithProviders(
      <UpdatesProvider>
        <UpdatePanel variant="banner" />
      </UpdatesProvider>,
    );
    expect(await screen.findByRole('heading', { name: 'Version 0.2.0 is available' })).toBeInTheDocument();
  });
});
