import { render } from '@testing-library/react';
import type { ReactElement } from 'react';

import { backend } from '../backend';
import { ToastProvider } from '../components/Toasts';
import { PreferencesProvider } from '../i18n';
import { SessionContext } from '../session';
import type { Preferences } from '../types';
import { account, defaultPreferences, type FakeBackend } from './fakeBackend';

/** The mocked backend, typed as the vi.fn mocks it is. */
export const api = backend as unknown as FakeBackend;

/** Renders inside the app's providers, signed in as `account`. */
export function renderWithProviders(ui: ReactElement, preferences: Partial<Preferences> = {}) {
  const ended = () => undefined;
  return render(
    <PreferencesProvider initial={{ ...defaultPreferences, ...preferences }}>
      <ToastProvider>
        <SessionContext.Provider value={{ account, ended }}>{ui}</SessionContext.Provider>
      </ToastProvider>
    </PreferencesProvider>,
  );
}
