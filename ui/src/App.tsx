import { useCallback, useEffect, useState } from 'react';

import { backend as defaultBackend, toBackendError, type Backend } from './backend';
import { AuthScreen } from './components/AuthScreen';
import { ErrorAlert } from './components/ErrorAlert';
import { IntegrationsScreen } from './components/IntegrationsScreen';
import type { Account, ErrorPayload } from './types';

type View =
  | { view: 'starting' }
  /** The core could not open (configuration, database): nothing else can work. */
  | { view: 'unavailable'; error: ErrorPayload }
  | { view: 'signed-out'; notice?: string }
  | { view: 'signed-in'; account: Account };

export function App({ api = defaultBackend }: { api?: Backend }) {
  const [view, setView] = useState<View>({ view: 'starting' });

  const start = useCallback(() => {
    setView({ view: 'starting' });
    api.currentAccount().then(
      (account) => setView(account ? { view: 'signed-in', account } : { view: 'signed-out' }),
      (err: unknown) => setView({ view: 'unavailable', error: toBackendError(err) }),
    );
  }, [api]);

  useEffect(start, [start]);

  const signOut = useCallback(() => {
    // The session is gone from the app whatever the answer; a failed revocation changes nothing
    // the user can act on.
    api.signOut().catch(() => undefined);
    setView({ view: 'signed-out' });
  }, [api]);

  const sessionEnded = useCallback((notice: string) => setView({ view: 'signed-out', notice }), []);

  switch (view.view) {
    case 'starting':
      return (
        <main className="centered" aria-busy="true">
          <p role="status">Starting Integration Manager…</p>
        </main>
      );
    case 'unavailable':
      return (
        <main className="centered">
          <div className="auth-card">
            <h1 className="brand">Integration Manager cannot start</h1>
            <ErrorAlert error={view.error}>
              <button type="button" onClick={start}>
                Try again
              </button>
            </ErrorAlert>
          </div>
        </main>
      );
    case 'signed-out':
      return (
        <AuthScreen
          api={api}
          notice={view.notice}
          onSignedIn={(account) => setView({ view: 'signed-in', account })}
        />
      );
    case 'signed-in':
      return (
        <IntegrationsScreen
          api={api}
          account={view.account}
          onSignOut={signOut}
          onSessionEnded={sessionEnded}
        />
      );
  }
}
