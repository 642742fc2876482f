import { useCallback, useEffect, useState } from 'react';

import { toBackendError, type Backend } from '../backend';
import type { Account, ErrorPayload, Integration } from '../types';
import { ErrorAlert } from './ErrorAlert';
import { IntegrationsTable } from './IntegrationsTable';

interface Props {
  api: Backend;
  account: Account;
  onSignOut: () => void;
  /** The session ended underneath us (refresh refused): back to sign-in. */
  onSessionEnded: (message: string) => void;
}

type Load =
  | { state: 'loading' }
  | { state: 'loaded'; integrations: Integration[] }
  | { state: 'failed'; error: ErrorPayload };

export function IntegrationsScreen({ api, account, onSignOut, onSessionEnded }: Props) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });

  const refresh = useCallback(() => {
    setLoad({ state: 'loading' });
    api.listIntegrations().then(
      (integrations) => setLoad({ state: 'loaded', integrations }),
      (err: unknown) => {
        const error = toBackendError(err);
        if (error.code === 'UNAUTHENTICATED') onSessionEnded(error.message);
        else setLoad({ state: 'failed', error });
      },
    );
  }, [api, onSessionEnded]);

  useEffect(refresh, [refresh]);

  return (
    <div className="shell">
      <header className="app-header">
        <span className="brand">Integration Manager</span>
        <div className="account">
          <span className="workspace">{account.tenantName}</span>
          <span className="email">{account.email}</span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content" aria-busy={load.state === 'loading'}>
        <div className="content-head">
          <h1>Integrations</h1>
          <button type="button" onClick={refresh} disabled={load.state === 'loading'}>
            Refresh
          </button>
        </div>
        {load.state === 'loading' && (
          <p className="loading" role="status">
            Loading integrations…
          </p>
        )}
        {load.state === 'failed' && (
          <ErrorAlert error={load.error}>
            <button type="button" onClick={refresh}>
              Try again
            </button>
          </ErrorAlert>
        )}
        {load.state === 'loaded' && <IntegrationsTable integrations={load.integrations} />}
      </main>
    </div>
  );
}
