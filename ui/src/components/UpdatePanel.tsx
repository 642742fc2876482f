//! "Version X is available": the release notes and *Install and restart*. As a banner over every
//! page (with *Later*) and inside Settings → About. Nothing installs until the button is pressed;
//! a refused or failed install says why, and the running version carries on.

import { usePreferences } from '../i18n';
import { useUpdates } from '../updates';
import { ErrorAlert } from './ErrorAlert';

function percent(downloaded: number, total: number | null): number | null {
  return total && total > 0 ? Math.min(100, Math.floor((downloaded / total) * 100)) : null;
}

export function UpdatePanel({ variant }: { variant: 'banner' | 'about' }) {
  const { t } = usePreferences();
  const { available, phase, dismissed, install, dismiss } = useUpdates();
  if (!available) return null;
  if (variant === 'banner' && dismissed) return null;

  const installing = phase.phase === 'installing' || phase.phase === 'restarting';
  let status: string | null = null;
  if (phase.phase === 'installing') {
    const share = phase.progress ? percent(phase.progress.downloaded, phase.progress.total) : null;
    status = share === null ? t('update.downloading') : t('update.downloadingPercent', { percent: share });
  } else if (phase.phase === 'restarting') {
    status = t('update.restarting');
  }

  return (
    <section
      role="region"
      aria-label={t('update.region')}
      className={variant === 'banner' ? 'update-panel card mb-6 p-4' : 'update-panel rounded-lg bg-subtle p-4'}
    >
      <h3 className="m-0 text-base">{t('update.available', { version: available.version })}</h3>
      <p className="m-0 mt-0.5 text-sm text-muted">{t('update.running', { version: available.currentVersion })}</p>
      {available.notes && (
        <p className="m-0 mt-3 text-sm whitespace-pre-line" data-testid="update-notes">
          {available.notes}
        </p>
      )}
      {phase.phase === 'install-failed' && (
        <div className="mt-3">
          <ErrorAlert error={phase.error} />
        </div>
      )}
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <button type="button" className="btn btn-primary btn-sm" disabled={installing} onClick={() => void install()}>
          {t('update.install')}
        </button>
        {variant === 'banner' && !installing && (
          <button type="button" className="btn btn-ghost btn-sm" onClick={dismiss}>
            {t('update.later')}
          </button>
        )}
        {status && (
          <span role="status" className="text-sm text-muted">
            {status}
          </span>
        )}
      </div>
    </section>
  );
}
