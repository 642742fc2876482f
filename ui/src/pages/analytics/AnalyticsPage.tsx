//! The analytics dashboard: Meta ad spend against the stores' sales for a range of days, by day,
//! campaign, ad or store. The core does the sums (`report`), splitting spend among stores by the
//! campaigns' assignments when the figures are a store's; this page picks the range (days in
//! the workspace's time zone, the report's), the store and the grouping, and shows the totals,
//! a chart and the table, with the core's warnings and where the figures came from. Money is
//! always shown from the exact minor units (money.ts). "Export CSV" has the core write the same
//! table to the Downloads folder.

import { useCallback, useEffect, useRef, useState } from 'react';

import { backend } from '../../backend';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { useToast } from '../../components/Toasts';
import { useDataChanged } from '../../connectivity';
import { usePreferences } from '../../i18n';
import { useBackendError, useSession } from '../../session';
import { useSyncFinished } from '../../sync';
import { agoText } from '../../syncText';
import type { ErrorPayload, Integration, Report, ReportGrouping, ReportLink, ReportQuery } from '../../types';
import { isEmpty, presetRange, rangeProblem, reportQuery, workspaceToday, type Preset, type Range } from './analytics';
import { DownloadIcon } from './DownloadIcon';
import { Filters } from './Filters';
import { Grouped } from './Grouped';
import { Kpis } from './Kpis';
import { Skeleton } from './Skeleton';
import { Warnings } from './Warnings';

type Load =
  | { state: 'loading'; report: Report | null }
  | { state: 'loaded'; report: Report }
  | { state: 'failed'; error: ErrorPayload };

/**
 * `link`: the range (and store) to open on, e.g. from an alert; the last 30 days otherwise.
 * `onCampaigns`: to the Campaigns page, offered where spend belongs to no store yet.
 */
export function AnalyticsPage({ link, onCampaigns }: { link?: ReportLink; onCampaigns?: () => void } = {}) {
  const { t, language } = usePreferences();
  const notify = useToast();
  const asError = useBackendError();
  // The core counts days in the workspace's zone; "today" must be that zone's today too.
  const { timeZone } = useSession().account;

  const today = workspaceToday(timeZone);
  const [preset, setPreset] = useState<Preset>(link ? 'custom' : 'last30');
  const [custom, setCustom] = useState<Range>(() => (link ? { from: link.from, to: link.to } : presetRange('last30', today)));
  const [store, setStore] = useState(link?.store ?? '');
  const [by, setBy] = useState<ReportGrouping>('day');
  const [stores, setStores] = useState<Integration[]>([]);
  const [load, setLoad] = useState<Load>({ state: 'loading', report: null });
  const [exporting, setExporting] = useState(false);
  /** Only the answer to the latest request is shown, whatever order they come back in. */
  const latest = useRef(0);
  /** A report the user asked for is on its way: background reloads wait rather than replace it. */
  const asked = useRef(false);

  // A store deleted meanwhile is no longer asked for: the select shows "All stores" and the
  // query says the same.
  const storeIsGone = store !== '' && stores.length > 0 && !stores.some((s) => s.id === store);
  const chosenStore = storeIsGone ? '' : store;
  const range = preset === 'custom' ? custom : presetRange(preset, today);
  const problem = preset === 'custom' ? rangeProblem(t, custom) : null;
  const query: ReportQuery | null = problem ? null : reportQuery(range, by, chosenStore);
  // The zone is not part of the query (the core takes the workspace's), but a new zone is a new
  // report even for the same days: fetchReport depends on it too.
  const queryKey = query ? JSON.stringify(query) : null;

  const fetchReport = useCallback(
    (quietly: boolean) => {
      if (!queryKey) return;
      // A background reload must not take the place of the answer the user waits for: that one
      // is newer than the data change anyway, and its failure would otherwise go unseen.
      if (quietly && asked.current) return;
      const request = ++latest.current;
      if (!quietly) {
        asked.current = true;
        setLoad((current) => ({ state: 'loading', report: 'report' in current ? current.report : null }));
      }
      backend.report(JSON.parse(queryKey) as ReportQuery).then(
        (report) => {
          if (request !== latest.current) return;
          asked.current = false;
          setLoad({ state: 'loaded', report });
        },
        (err: unknown) => {
          const error = asError(err);
          if (request !== latest.current) return;
          asked.current = false;
          // A failed quiet reload keeps the figures on screen; Try again / a new range says more.
          if (!quietly) setLoad({ state: 'failed', error });
        },
      );
    },
    // timeZone: see queryKey.
    [queryKey, asError, timeZone],
  );
  useEffect(() => fetchReport(false), [fetchReport]);

  const loadStores = useCallback(() => {
    backend.listIntegrations().then(
      (all) => setStores(all.filter((i) => i.provider === 'PANCAKE_POS')),
      (err: unknown) => {
        asError(err);
      },
    );
  }, [asError]);
  useEffect(loadStores, [loadStores]);

  // The data moved underneath (a sync ended, the mirror was pulled, went offline or online).
  const reloadQuietly = () => {
    fetchReport(true);
    loadStores();
  };
  useDataChanged(reloadQuietly);
  useSyncFinished(reloadQuietly);

  const choosePreset = (next: Preset) => {
    if (next === 'custom' && preset !== 'custom') setCustom(range);
    setPreset(next);
  };

  const exportCsv = async () => {
    if (!query) return;
    setExporting(true);
    try {
      const path = await backend.exportReport(query);
      notify('success', t('analytics.exported', { path }));
    } catch (err) {
      notify('error', t('analytics.exportFailed', { message: asError(err).message }));
    } finally {
      setExporting(false);
    }
  };

  const report = 'report' in load ? load.report : null;
  const busy = load.state === 'loading';
  const empty = report !== null && isEmpty(report.totals);

  return (
    <div className="flex flex-col gap-5" aria-busy={busy}>
      <PageHeader title={t('analytics.title')} lead={t('analytics.lead')}>
        <button
          type="button"
          className="btn"
          onClick={() => void exportCsv()}
          disabled={!query || exporting || busy || load.state === 'failed' || empty}
        >
          <DownloadIcon />
          {exporting ? t('analytics.exporting') : t('analytics.export')}
        </button>
      </PageHeader>

      <Filters
        preset={preset}
        onPreset={choosePreset}
        custom={custom}
        onCustom={setCustom}
        problem={problem}
        store={chosenStore}
        stores={stores}
        onStore={setStore}
        timeZone={report?.timeZone ?? timeZone}
      />

      {report?.source.kind === 'mirror' && (
        <div className="connectivity-offline flex items-start gap-3 rounded-xl px-4 py-3 text-sm" data-testid="analytics-source">
          <span aria-hidden="true">⚠</span>
          <p className="m-0">
            {report.source.asOf
              ? t('analytics.offline', { ago: agoText(language, report.source.asOf) })
              : t('analytics.offlineNever')}
          </p>
        </div>
      )}

      {load.state === 'failed' && (
        <ErrorAlert error={load.error} onRetry={() => fetchReport(false)} />
      )}

      {!problem && load.state !== 'failed' && report === null && <Skeleton label={t('analytics.loading')} />}
      {busy && report !== null && (
        <p role="status" className="visually-hidden">
          {t('analytics.loading')}
        </p>
      )}

      {!problem && load.state !== 'failed' && report !== null && (
        <div className={`flex flex-col gap-5 transition-opacity ${busy ? 'opacity-60' : ''}`}>
          {report.warnings.length > 0 && <Warnings report={report} onCampaigns={onCampaigns} />}
          {empty ? (
            <div className="card flex flex-col items-center gap-1 px-6 py-12 text-center" data-testid="analytics-empty">
              <h2 className="m-0 text-lg">{t('analytics.empty')}</h2>
              <p className="m-0 text-sm text-muted">{t('analytics.emptyHint')}</p>
            </div>
          ) : (
            <>
              <Kpis report={report} />
              <Grouped by={by} onBy={setBy} report={report} />
            </>
          )}
        </div>
      )}
    </div>
  );
}
