import type { ReactNode } from 'react';

import { useT } from '../i18n';
import type { Account } from '../types';
import { Logo } from './AuthScreen';

/** Which of the header's pages is shown; none for the settings. */
export type Section = 'integrations' | 'analytics' | 'campaigns' | 'alerts' | null;

/** The app header: brand, the pages (integrations, analytics, campaigns, alerts), account, settings, sign out. No sidebar. */
export function Header({
  account,
  current,
  onHome,
  onAnalytics,
  onCampaigns,
  onAlerts,
  alertCount = 0,
  onSettings,
  onSignOut,
}: {
  account: Account;
  current: Section;
  onHome: () => void;
  onAnalytics: () => void;
  onCampaigns: () => void;
  onAlerts?: () => void;
  /** Open alerts not dismissed, shown beside "Alerts". */
  alertCount?: number;
  onSettings: () => void;
  onSignOut: () => void;
}) {
  const t = useT();
  return (
    <header className="sticky top-0 z-30 border-b border-line bg-surface/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-[84rem] items-center gap-4 px-6">
        <button type="button" className="flex items-center gap-2.5 rounded-lg" onClick={onHome}>
          <Logo />
          <span className="text-left leading-tight">
            <span className="block text-sm font-semibold" data-testid="workspace-name">
              {account.tenantName}
            </span>
            <span className="block text-xs text-muted">{t('app.name')}</span>
          </span>
        </button>
        <nav aria-label={t('nav.label')} className="ml-4 flex items-center gap-1">
          <NavLink page="integrations" current={current} onClick={onHome}>
            {t('nav.integrations')}
          </NavLink>
          <NavLink page="analytics" current={current} onClick={onAnalytics}>
            {t('nav.analytics')}
          </NavLink>
          <NavLink page="campaigns" current={current} onClick={onCampaigns}>
            {t('nav.campaigns')}
          </NavLink>
          {onAlerts && (
            <NavLink page="alerts" current={current} onClick={onAlerts}>
              {t('nav.alerts')}
              {alertCount > 0 && (
                <span
                  className="ml-1.5 inline-flex min-w-5 items-center justify-center rounded-full bg-danger px-1.5 text-xs font-semibold text-white"
                  data-testid="alert-count"
                  aria-label={t('nav.alertsCount', { count: alertCount })}
                >
                  {alertCount}
                </span>
              )}
            </NavLink>
          )}
        </nav>
        <div className="ml-auto flex items-center gap-2">
          <span className="mr-2 hidden text-sm text-muted sm:inline" title={t('header.account', { email: account.email })}>
            {account.email}
          </span>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onSettings}>
            <span aria-hidden="true">⚙</span> {t('header.settings')}
          </button>
          <button type="button" className="btn btn-sm" onClick={onSignOut}>
            {t('header.signOut')}
          </button>
        </div>
      </div>
    </header>
  );
}

/** One of the header's pages, marked as the current page when it is shown. */
function NavLink({
  page,
  current,
  onClick,
  children,
}: {
  page: Section;
  current: Section;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button type="button" className="nav-link" aria-current={current === page ? 'page' : undefined} onClick={onClick}>
      {children}
    </button>
  );
}
