//! The app's states: starting → first run (choose a database) → signed out → signed in, and
//! inside the signed-in shell a small state-based router (list, connect, edit, analytics,
//! campaigns, settings).

import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { backend, listenUntilStopped, toBackendError } from './backend';
import { useAlertCount } from './pages/alerts/useAlertCount';
import { AuthScreen, WelcomeCard } from './components/AuthScreen';
import { ConnectivityBanner } from './components/ConnectivityBanner';
import { ConnectWizard } from './components/ConnectWizard';
import { EditIntegration } from './components/EditIntegration';
import { ErrorAlert } from './components/ErrorAlert';
import { FirstRunScreen } from './components/FirstRunScreen';
import { Header } from './components/Header';
import { IntegrationsPage } from './components/IntegrationsPage';
import { LanguageSelect, SettingsPage } from './components/SettingsPage';
import { ToastProvider } from './components/Toasts';
import { UpdatePanel } from './components/UpdatePanel';
import { PreferencesProvider, usePreferences } from './i18n';
import { ConnectivityProvider } from './connectivity';
import { markCoreAnswered, reportFirstScreen } from './startup';
import { SessionContext, type Session } from './session';
import { SyncProvider } from './sync';
import { UpdatesProvider } from './updates';
import type { Account, AppStatus, ErrorPayload, Provider, ReportLink } from './types';

// Analytics (and recharts, most of the bundle) and Campaigns load when first opened: the web view
// parses only what the first screen needs before it can paint it (issue 18).
const AnalyticsPage = lazy(() =>
  import('./pages/analytics/AnalyticsPage').then((module) => ({ default: module.AnalyticsPage })),
);
const CampaignsPage = lazy(() =>
  import('./pages/campaigns/CampaignsPage').then((module) => ({ default: module.CampaignsPage })),
);
const AlertsPage = lazy(() => import('./pages/alerts/AlertsPage').then((module) => ({ default: module.AlertsPage })));

type View =
  | { view: 'starting' }
  /** The core could not open (configuration, database): nothing else can work. */
  | { view: 'unavailable'; error: ErrorPayload }
  | { view: 'first-run' }
  | { view: 'signed-out'; notice?: string }
  | { view: 'signed-in'; account: Account };

export type Page =
  | { page: 'list' }
  | { page: 'connect'; provider: Provider }
  | { page: 'edit'; id: string }
  /** `link`: opened from an alert, on the range (and store) behind it. */
  | { page: 'analytics'; link?: ReportLink }
  | { page: 'campaigns' }
  | { page: 'alerts' }
  | { page: 'settings' };

/** The app with its providers: preferences (language, theme) and toasts. */
export function Root() {
  return (
    <PreferencesProvider>
      <ToastProvider>
        <UpdatesProvider>
          <App />
        </UpdatesProvider>
      </ToastProvider>
    </PreferencesProvider>
  );
}

export function App() {
  const { t, preferences, replace } = usePreferences();
  const [view, setView] = useState<View>({ view: 'starting' });
  const [status, setStatus] = useState<AppStatus | null>(null);

  const toAccount = useCallback(async () => {
    const account = await backend.currentAccount();
    // Remembered so that a later sign-in (e.g. after the session ends) is prefilled.
    if (account) replace((p) => ({ ...p, lastEmail: account.email }));
    setView(account ? { view: 'signed-in', account } : { view: 'signed-out' });
  }, [replace]);

  const start = useCallback(() => {
    setView({ view: 'starting' });
    void (async () => {
      try {
        const [appStatus, prefs] = await Promise.all([
          backend.appStatus(),
          backend.getPreferences().catch(() => null),
        ]);
        markCoreAnswered();
        if (prefs) replace(prefs);
        setStatus(appStatus);
        if (appStatus.firstRun) return setView({ view: 'first-run' });
        if (appStatus.coreError) return setView({ view: 'unavailable', error: appStatus.coreError });
        await toAccount();
      } catch (err) {
        setView({ view: 'unavailable', error: toBackendError(err) });
      }
    })();
  }, [replace, toAccount]);

  useEffect(start, [start]);

  // The desktop window stays hidden until its first screen is rendered (then the app shows it).
  const firstScreenReported = useRef(false);
  useEffect(() => {
    if (view.view === 'starting' || firstScreenReported.current) return;
    firstScreenReported.current = true;
    reportFirstScreen();
  }, [view.view]);

  const signedIn = useCallback(
    (account: Account) => {
      replace((p) => ({ ...p, lastEmail: account.email }));
      setView({ view: 'signed-in', account });
    },
    [replace],
  );

  const signOut = useCallback(() => {
    // The session is gone from the app whatever the answer; a failed revocation changes nothing
    // the user can act on.
    backend.signOut().catch(() => undefined);
    setView({ view: 'signed-out' });
  }, []);

  const corner = <LanguageSelect />;

  switch (view.view) {
    case 'starting':
      return (
        <main className="flex min-h-screen items-center justify-center" aria-busy="true">
          <p role="status" className="text-muted">
            {t('app.starting')}
          </p>
        </main>
      );
    case 'unavailable':
      return (
        <WelcomeCard corner={corner}>
          <h2 className="mt-0 mb-3 text-lg">{t('app.cannotStart')}</h2>
          <ErrorAlert error={view.error} onRetry={start}>
            <button type="button" className="btn btn-sm" onClick={() => setView({ view: 'first-run' })}>
              {t('app.chooseDatabase')}
            </button>
          </ErrorAlert>
        </WelcomeCard>
      );
    case 'first-run':
      return (
        <FirstRunScreen
          corner={corner}
          onConfigured={(appStatus) => {
            setStatus(appStatus);
            toAccount().catch((err: unknown) => setView({ view: 'unavailable', error: toBackendError(err) }));
          }}
        />
      );
    case 'signed-out':
      return (
        <AuthScreen
          corner={corner}
          notice={view.notice}
          lastEmail={preferences.lastEmail}
          onSignedIn={signedIn}
          joinedWorkspace={status?.workspace?.workspaceName}
        />
      );
    case 'signed-in':
      return (
        <SignedIn
          account={view.account}
          status={status}
          onSignOut={signOut}
          onLeftWorkspace={start}
          onSessionEnded={(notice) => setView({ view: 'signed-out', notice })}
          onAccountChanged={(next) => setView({ view: 'signed-in', account: next })}
        />
      );
  }
}

function SignedIn({
  account,
  status,
  onSignOut,
  onLeftWorkspace,
  onSessionEnded,
  onAccountChanged,
}: {
  account: Account;
  status: AppStatus | null;
  onSignOut: () => void;
  onLeftWorkspace: () => void;
  onSessionEnded: (notice: string) => void;
  onAccountChanged: (account: Account) => void;
}) {
  const [page, setPage] = useState<Page>({ page: 'list' });
  // The callbacks are new on each render of App; the session only changes with the account, so
  // pages that depend on it (useBackendError) do not reload for nothing.
  const callbacks = useRef({ onSessionEnded, onAccountChanged });
  useEffect(() => {
    callbacks.current = { onSessionEnded, onAccountChanged };
  });
  const session = useMemo<Session>(
    () => ({
      account,
      ended: (notice) => callbacks.current.onSessionEnded(notice),
      updated: (next) => callbacks.current.onAccountChanged(next),
    }),
    [account],
  );
  const toList = useCallback(() => setPage({ page: 'list' }), []);

  // The tray's alerts line opens the window on the Alerts page.
  useEffect(() => listenUntilStopped(backend.onOpenAlerts, () => setPage({ page: 'alerts' })), []);

  // Each page starts at the top, like a new window would.
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [page]);

  return (
    <SessionContext.Provider value={session}>
      <ConnectivityProvider>
        <SyncProvider>
          <div className="min-h-screen">
            <SignedInHeader account={account} page={page} setPage={setPage} onHome={toList} onSignOut={onSignOut} />
            <main className="mx-auto max-w-[84rem] px-6 py-8">
              {page.page !== 'settings' && <UpdatePanel variant="banner" />}
              <ConnectivityBanner />
              {page.page === 'list' && (
                <IntegrationsPage
                  onConnect={(provider) => setPage({ page: 'connect', provider })}
                  onEdit={(integration) => setPage({ page: 'edit', id: integration.id })}
                />
              )}
              {page.page === 'connect' && (
                <ConnectWizard key={page.provider} provider={page.provider} onDone={toList} onCancel={toList} />
              )}
              {page.page === 'edit' && <EditIntegration id={page.id} onDone={toList} onCancel={toList} />}
              <Suspense fallback={<PageLoading />}>
                {page.page === 'analytics' && (
                  <AnalyticsPage
                    key={page.link ? JSON.stringify(page.link) : 'analytics'}
                    link={page.link}
                    onCampaigns={() => setPage({ page: 'campaigns' })}
                  />
                )}
                {page.page === 'campaigns' && <CampaignsPage />}
                {page.page === 'alerts' && <AlertsPage onOpenReport={(link) => setPage({ page: 'analytics', link })} />}
              </Suspense>
              {page.page === 'settings' && <SettingsPage status={status} onBack={toList} onLeftWorkspace={onLeftWorkspace} />}
            </main>
          </div>
        </SyncProvider>
      </ConnectivityProvider>
    </SessionContext.Provider>
  );
}

/** While a page's code loads (once, the first time it is opened). */
function PageLoading() {
  const { t } = usePreferences();
  return (
    <p role="status" className="text-muted" aria-busy="true">
      {t('common.loading')}
    </p>
  );
}

/** The header with the count of open alerts (inside the providers the count listens to). */
function SignedInHeader({
  account,
  page,
  setPage,
  onHome,
  onSignOut,
}: {
  account: Account;
  page: Page;
  setPage: (page: Page) => void;
  onHome: () => void;
  onSignOut: () => void;
}) {
  const alertCount = useAlertCount();
  const current =
    page.page === 'analytics' || page.page === 'campaigns' || page.page === 'alerts'
      ? page.page
      : page.page === 'settings'
        ? null
        : 'integrations';
  return (
    <Header
      account={account}
      current={current}
      onHome={onHome}
      onAnalytics={() => setPage({ page: 'analytics' })}
      onCampaigns={() => setPage({ page: 'campaigns' })}
      onAlerts={() => setPage({ page: 'alerts' })}
      alertCount={alertCount}
      onSettings={() => setPage({ page: 'settings' })}
      onSignOut={onSignOut}
    />
  );
}
