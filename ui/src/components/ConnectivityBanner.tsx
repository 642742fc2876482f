//! The line under the header that says where the data on screen comes from, in shared mode
//! only: offline (the mirror, how old it is, what waits to be sent), connecting, or sending the
//! queued edits. A polite live region, so the change is announced without taking the focus.

import { useConnectivity } from '../connectivity';
import { usePreferences } from '../i18n';
import { ClockIcon } from './QueuedBadge';

function CloudOffIcon() {
  return (
    <svg className="mt-0.5 h-5 w-5 flex-none" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden="true">
      <path
        d="M6 15.5h8.2a3.3 3.3 0 0 0 .6-6.55A4.8 4.8 0 0 0 5.6 7.6 3.95 3.95 0 0 0 6 15.5Z"
        strokeLinejoin="round"
      />
      <path d="M3 3l14 14" strokeLinecap="round" />
    </svg>
  );
}

export function ConnectivityBanner() {
  const { t, formatDate } = usePreferences();
  const { connectivity } = useConnectivity();
  const { mode, mirrorAsOf, pending } = connectivity;
  if (mode === 'STANDALONE') return null;

  const count = pending.length;
  const asOf = mirrorAsOf ? formatDate(mirrorAsOf) : null;

  let content = null;
  if (mode === 'OFFLINE') {
    content = (
      <div className="connectivity-banner connectivity-offline mb-6 flex items-start gap-3 rounded-xl px-4 py-3" data-mode={mode}>
        <CloudOffIcon />
        <div className="min-w-0 flex-1">
          <p className="m-0 font-semibold">
            {asOf ? t('connectivity.offline', { date: asOf }) : t('connectivity.offlineNever')}
          </p>
          <p className="m-0 mt-0.5 text-sm text-fg/80">{t('connectivity.reconnecting')}</p>
        </div>
        {count > 0 && (
          <span className="badge badge-plain badge-queued mt-0.5 flex-none" data-testid="pending-count">
            <ClockIcon />
            {t(count === 1 ? 'connectivity.pendingOne' : 'connectivity.pendingMany', { count })}
          </span>
        )}
      </div>
    );
  } else if (mode === 'CONNECTING') {
    content = (
      <p className="mb-6 flex items-center gap-2 text-sm text-muted" data-mode={mode}>
        <span className="connecting-dot" aria-hidden="true" />
        {asOf ? t('connectivity.connecting', { date: asOf }) : t('connectivity.connectingNever')}
      </p>
    );
  } else if (count > 0) {
    content = (
      <p className="mb-6 flex items-center gap-2 text-sm text-muted" data-mode={mode}>
        <ClockIcon />
        {t(count === 1 ? 'connectivity.sendingOne' : 'connectivity.sendingMany', { count })}
      </p>
    );
  }

  return (
    <div role="status" aria-live="polite" data-testid="connectivity" data-mode={mode}>
      {content}
    </div>
  );
}
