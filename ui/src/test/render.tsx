import { render } from '@testing-library/react';
import { useMemo, useState, type ReactElement, type ReactNode } from 'react';

import { backend } from '../backend';
import { ToastProvider } from '../components/Toasts';
import { ConnectivityContext, connectivityState, type ConnectivityState } from '../connectivity';
import { PreferencesProvider } from '../i18n';
import { SessionContext, type Session } from '../session';
import type { Account, Connectivity, Preferences } from '../types';
import { account as defaultAccount, connectivity as connectivityOf, defaultPreferences, type FakeBackend } from './fakeBackend';

/** The mocked backend, typed as the vi.fn mocks it is. */
export const api = backend as unknown as FakeBackend;

export interface RenderOptions {
  /** Who is signed in; the fixture's account when absent. */
  account?: Account;
  /** Called with each account a component hands to `session.updated` (which also re-renders with it). */
  onAccountUpdated?: (account: Account) => void;
}

/** A signed-in session that takes `updated` accounts as the app's shell does. */
function SessionHarness({ initial, onUpdated, children }: { initial: Account; onUpdated?: (a: Account) => void; children: ReactNode }) {
  const [account, setAccount] = useState(initial);
  const session = useMemo<Session>(
    () => ({
      account,
      ended: () => undefined,
      updated: (next) => {
        onUpdated?.(next);
        setAccount(next);
      },
    }),
    [account, onUpdated],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/**
 * Renders inside the app's providers, signed in as `options.account` (the fixture's by default).
 * `connectivity`: a fixed answer of `connectivity_status` (standalone when absent), with
 * `accept`/`refresh` spies if given.
 */
export function renderWithProviders(
  ui: ReactElement,
  preferences: Partial<Preferences> = {},
  connectivity?: Partial<Connectivity>,
  spies: Partial<Pick<ConnectivityState, 'accept' | 'refresh'>> = {},
  options: RenderOptions = {},
) {
  const state = connectivityState(connectivityOf(connectivity), spies);
  return render(
    <PreferencesProvider initial={{ ...defaultPreferences, ...preferences }}>
      <ToastProvider>
        <SessionHarness initial={options.account ?? defaultAccount} onUpdated={options.onAccountUpdated}>
          <ConnectivityContext.Provider value={state}>{ui}</ConnectivityContext.Provider>
        </SessionHarness>
      </ToastProvider>
    </PreferencesProvider>,
  );
}
