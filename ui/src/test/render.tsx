import { render } from '@testing-library/react';
import type { ReactElement } from 'react';

import { backend } from '../backend';
import { ToastProvider } from '../components/Toasts';
import { ConnectivityContext, connectivityState, type ConnectivityState } from '../connectivity';
import { PreferencesProvider } from '../i18n';
import { SessionContext } from '../session';
import type { Connectivity, Preferences } from '../types';
import { account, connectivity as connectivityOf, defaultPreferences, type FakeBackend } from './fakeBackend';

/** The mocked backend, typed as the vi.fn mocks it is. */
export const api = backend as unknown as FakeBackend;

/**
 * Renders inside the app's providers, signed in as `account`. `connectivity`: a fixed answer of
 * `connectivity_status` (standalone when absent), with `accept`/`refresh` spies if given.
 */
export function renderWithProviders(
  ui: ReactElement,
  preferences: Partial<Preferences> = {},
  connectivity?: Partial<Connectivity>,
  spies: Partial<Pick<ConnectivityState, 'accept' | 'refresh'>> = {},
) {
  const ended = () => undefined;
  const state = connectivityState(connectivityOf(connectivity), spies);
  return render(
    <PreferencesProvider initial={{ ...defaultPreferences, ...preferences }}>
      <ToastProvider>
        <SessionContext.Provider value={{ account, ended }}>
          <ConnectivityContext.Provider value={state}>{ui}</ConnectivityContext.Provider>
        </SessionContext.Provider>
      </ToastProvider>
    </PreferencesProvider>,
  );
}
