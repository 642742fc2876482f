//! The Alerts list: what the core found after its syncs (spend spike, ROAS drop, a store gone
//! quiet, a sync failing, a Meta token expiring), the open ones first and then their history,
//! each with its numbers and a link to the report behind them. An open alert can be dismissed;
//! it stays in the history. Offline, the open ones were computed from the local copy and say so.

import { useCallback, useEffect, useState } from 'react';

import { backend, listenUntilStopped } from '../../backend';
import { LoadStatus } from '../../components/ErrorAlert';
import { useToast } from '../../components/Toasts';
import { useDataChanged } from '../../connectivity';
import { usePreferences, type Translate } from '../../i18n';
import { formatMoney } from '../../money';
import { useBackendError } from '../../session';
import { useSyncFinished } from '../../sync';
import type { Alert, AlertList, ErrorPayload, Language, ReportLink } from '../../types';
import { alertsChangedHere } from './useAlertCount';

type Load = { state: 'loading' } | { state: 'loaded'; list: AlertList } | { state: 'failed'; error: ErrorPayload };

/** `2026-11-19` as the language writes a day: 19/11/2026 (vi), 11/19/2026 (en). */
function dayText(language: Language, day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(language === 'vi' ? 'vi-VN' : 'en-US', { timeZone: 'UTC' }).format(
    new Date(Date.UTC(year, month - 1, date)),
  );
}

function ratio(value: number | null): string {
  return value === null ? '–' : value.toFixed(2);
}

/** What the alert says, with its numbers, in the UI's language. */
export function alertText(t: Translate, language: Language, formatDate: (iso: string) => string, alert: Alert): string {
  const name = alert.integrationName ?? '';
  const details = alert.details;
  switch (details.rule) {
    case 'SPEND_SPIKE':
      return t('alerts.spendSpike', {
        day: dayText(language, details.day),
        spend: formatMoney(details.spendMinor, details.currency, details.exponent, language),
        percent: details.thresholdPercent,
        median: formatMoney(details.medianMinor, details.currency, details.exponent, language),
      });
    case 'ROAS_DROP': {
      const range = { from: dayText(language, details.from), to: dayText(language, details.to), roas: ratio(details.roas) };
      const why = details.dropped
        ? t('alerts.roasDropped', { ...range, percent: details.dropPercent, before: ratio(details.previousRoas) })
        : t('alerts.roasBelow', { ...range, floor: (details.floorPercent / 100).toFixed(2) });
      const figures = t('alerts.roasFigures', {
        spend: formatMoney(details.spendMinor, details.currency, details.exponent, language),
        revenue: formatMoney(details.revenueMinor, details.currency, details.exponent, language),
      });
      // A store's own ROAS names the store; the workspace's has no name.
      return alert.integrationName ? t('alerts.roasStore', { store: name, text: `${why} ${figures}` }) : `${why} ${figures}`;
    }
    case 'STORE_QUIET':
      return t('alerts.storeQuiet', {
        store: name,
        duration: t('alerts.duration', {
          hours: Math.floor(details.quietMinutes / 60),
          minutes: details.quietMinutes % 60,
        }),
        last: formatDate(details.lastOrderAt),
        weeks: details.usualOrders.length,
        usual: details.usualOrders.join(', '),
      });
    case 'SYNC_FAILING':
      return t('alerts.syncFailing', {
        name,
        since: formatDate(details.failingSince),
        runs: details.failedRuns,
        hours: details.thresholdHours,
      });
    case 'TOKEN_EXPIRING':
      return details.daysLeft < 0
        ? t('alerts.tokenExpired', { name, when: formatDate(details.expiresAt) })
        : t('alerts.tokenExpiring', { name, when: formatDate(details.expiresAt), days: details.daysLeft });
  }
}

function AlertCard({
  alert,
  dismissing,
  onDismiss,
  onOpenReport,
}: {
  alert: Alert;
  dismissing: boolean;
  onDismiss?: () => void;
  onOpenReport: (link: ReportLink) => void;
}) {
  const { t, language, formatDate } = usePreferences();
  const open = alert.clearedAt === null;
  const tone = open && alert.dismissedAt === null ? 'border-l-danger' : 'border-l-line';
  return (
    <li className={`card flex flex-col gap-2 border-l-4 p-4 ${tone}`} data-testid="alert" data-rule={alert.rule}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="m-0 text-base">{t(`alerts.rule.${alert.rule}`)}</h3>
        <span className="text-xs text-muted">
          {open
            ? t('alerts.fired', { when: formatDate(alert.firedAt) })
            : t('alerts.cleared', { from: formatDate(alert.firedAt), to: formatDate(alert.clearedAt ?? alert.firedAt) })}
          {alert.dismissedAt !== null && ` · ${t('alerts.dismissed')}`}
          {alert.computedOffline && ` · ${t('alerts.computedOffline')}`}
        </span>
      </div>
      <p className="m-0 text-sm">{alertText(t, language, formatDate, alert)}</p>
      <div className="flex flex-wrap gap-2">
        {alert.report && (
          <button type="button" className="btn btn-sm" onClick={() => onOpenReport(alert.report as ReportLink)}>
            {t('alerts.openReport')}
          </button>
        )}
        {onDismiss && (
          <button type="button" className="btn btn-ghost btn-sm" onClick={onDismiss} disabled={dismissing}>
            {dismissing ? t('alerts.dismissing') : t('alerts.dismiss')}
          </button>
        )}
      </div>
    </li>
  );
}

export function AlertsPage({ onOpenReport }: { onOpenReport: (link: ReportLink) => void }) {
  const { t } = usePreferences();
  const asError = useBackendError();
  const notify = useToast();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [dismissing, setDismissing] = useState<string | null>(null);

  const fetchAlerts = useCallback(() => {
    backend.alerts().then(
      (list) => setLoad({ state: 'loaded', list }),
      (err: unknown) => setLoad({ state: 'failed', error: asError(err) }),
    );
  }, [asError]);
  useEffect(fetchAlerts, [fetchAlerts]);
  useDataChanged(fetchAlerts);
  useSyncFinished(fetchAlerts);
  useEffect(() => listenUntilStopped(backend.onAlertsChanged, fetchAlerts), [fetchAlerts]);

  const dismiss = async (alert: Alert) => {
    setDismissing(alert.id);
    try {
      await backend.dismissAlert(alert.id);
      fetchAlerts();
      alertsChangedHere();
    } catch (err) {
      notify('error', t('alerts.dismissFailed', { message: asError(err).message }));
    } finally {
      setDismissing(null);
    }
  };

  const list = load.state === 'loaded' ? load.list : null;
  const open = list?.alerts.filter((a) => a.clearedAt === null) ?? [];
  const past = list?.alerts.filter((a) => a.clearedAt !== null) ?? [];

  return (
    <div className="mx-auto flex w-full max-w-3xl flex-col gap-5" aria-busy={load.state === 'loading'}>
      <div>
        <h1 className="m-0 text-2xl">{t('alerts.title')}</h1>
        <p className="m-0 mt-1 text-sm text-muted">{t('alerts.lead')}</p>
      </div>
      <LoadStatus load={load} loading={t('alerts.loading')} className="text-muted" onRetry={fetchAlerts} />
      {list?.computedOffline && (
        <div className="connectivity-offline flex items-start gap-3 rounded-xl px-4 py-3 text-sm" data-testid="alerts-offline">
          <span aria-hidden="true">⚠</span>
          <p className="m-0">{t('alerts.offline')}</p>
        </div>
      )}
      {list && (
        <section className="flex flex-col gap-3" aria-label={t('alerts.open')}>
          <h2 className="m-0 text-lg">{t('alerts.open')}</h2>
          {open.length === 0 ? (
            <div className="card px-6 py-8 text-center" data-testid="alerts-none">
              <p className="m-0 font-medium">{t('alerts.none')}</p>
              <p className="m-0 mt-1 text-sm text-muted">{t('alerts.noneHint')}</p>
            </div>
          ) : (
            <ul className="m-0 flex list-none flex-col gap-3 p-0">
              {open.map((alert) => (
                <AlertCard
                  key={alert.id}
                  alert={alert}
                  dismissing={dismissing === alert.id}
                  onDismiss={alert.dismissedAt === null && !alert.computedOffline ? () => void dismiss(alert) : undefined}
                  onOpenReport={onOpenReport}
                />
              ))}
            </ul>
          )}
        </section>
      )}
      {list && (
        <section className="flex flex-col gap-3" aria-label={t('alerts.history')}>
          <h2 className="m-0 text-lg">{t('alerts.history')}</h2>
          {past.length === 0 ? (
            <p className="m-0 text-sm text-muted">{t('alerts.noHistory')}</p>
          ) : (
            <ul className="m-0 flex list-none flex-col gap-3 p-0">
              {past.map((alert) => (
                <AlertCard key={alert.id} alert={alert} dismissing={false} onOpenReport={onOpenReport} />
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
