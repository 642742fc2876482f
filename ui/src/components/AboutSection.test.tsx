import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { about } from '../test/fakeBackend';
import { api, renderWithProviders } from '../test/render';
import { SettingsPage } from './SettingsPage';

function renderSettings() {
  return renderWithProviders(<SettingsPage onBack={vi.fn()} />);
}

const aboutSection = () => screen.getByRole('region', { name: 'About' });

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
