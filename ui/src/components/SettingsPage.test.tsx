import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { api, renderWithProviders } from '../test/render';
import { SettingsPage } from './SettingsPage';

describe('SettingsPage', () => {
  it('switches the language to Vietnamese at once and saves it', async () => {
    const user = userEvent.setup();
    renderWithProviders(<SettingsPage onBack={vi.fn()} />);
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeInTheDocument();
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
