//! The analytics dashboard: Meta ad spend against the stores' sales for a range of days, by day,
//! campaign or ad. The core does the sums (`report`); this page picks the range (days in
//! the workspace's time zone, the report's), the store and the grouping, and shows the totals,
//! a chart and the table, with the core's warnings and where the figures came from. Money is
//! always shown from the exact minor units (money.ts). "Export CSV" has the core write the same
//! table to the Downloads folder.

import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

import {
  PRESETS,
  dayDate,
  isEmpty,
  presetRange,
  rangeProblem,
  reportQuery,
  rowLabel,
  workspaceToday,
  type Preset,
  type Range,
} from '../analytics';
import { backend } from '../backend';
import { useDataChanged } from '../connectivity';
import { localeOf, usePreferences, type MessageKey } from '../i18n';
import { formatMoney } from '../money';
import { useBackendError, useSession } from '../session';
import { useSyncFinished } from '../sync';
import { agoText } from '../syncText';
import type {
  ErrorPayload,
  Integration,
  Language,
  Report,
  ReportGrouping,
  ReportMetrics,
  ReportQuery,
  ReportRow,
  ReportWarning,
} from '../types';
import { AnalyticsChart, CHART_TOP, topRows } from './AnalyticsChart';
import { ErrorAlert } from './ErrorAlert';
import { useToast } from './Toasts';

const GROUPINGS: ReportGrouping[] = ['day', 'campaign', 'ad'];

type Load =
  | { state: 'loading'; report: Report | null }
  | { state: 'loaded'; report: Report }
  | { state: 'failed'; error: ErrorPayload };

/** Figures in the user's language: money from minor units, counts, ROAS as "3.25×" / "3,25×". */
function useFigures(report: Report | null) {
  const { t, language, formatNumber } = usePreferences();
  return useMemo(() => {
    const ratio = new Intl.NumberFormat(localeOf(language), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const none = t('analytics.none');
    // Without a currency (orders that name none, and no ad account to take one from) the
    // amount is still shown, as a plain number.
    const money = (minor: number | null, currency: string | null | undefined, exponent: number) =>
      minor === null ? none : currency ? formatMoney(minor, currency, exponent, language) : formatNumber(minor);
    const spend = report?.spendCurrency;
    const revenue = report?.revenueCurrency;
    const spendExponent = report?.spendExponent ?? 0;
    const revenueExponent = report?.revenueExponent ?? 0;
    return {
      count: (value: number) => formatNumber(value),
      spend: (minor: number) => money(minor, spend, spendExponent),
      revenue: (minor: number | null) => money(minor, revenue, revenueExponent),
      roas: (value: number | null) => (value === null ? none : t('analytics.roas', { value: ratio.format(value) })),
    };
  }, [t, language, formatNumber, report?.spendCurrency, report?.revenueCurrency, report?.spendExponent, report?.revenueExponent]);
}

function rangeText(language: Language, range: Range): string {
  const format = new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeZone: 'UTC' });
  return range.from === range.to
    ? format.format(dayDate(range.from))
    : format.formatRange(dayDate(range.from), dayDate(range.to));
}

function dayText(language: Language, day: string): string {
  const options: Intl.DateTimeFormatOptions =
    language === 'vi'
      ? { weekday: 'short', day: '2-digit', month: '2-digit', timeZone: 'UTC' }
      : { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(localeOf(language), options).format(dayDate(day));
}

function warningText(t: ReturnType<typeof usePreferences>['t'], warning: ReportWarning): string {
  switch (warning.kind) {
    case 'spendIsAccountWide':
      return t('analytics.warn.spendIsAccountWide');
    case 'currenciesDiffer':
      return t('analytics.warn.currenciesDiffer', { spend: warning.spend, revenue: warning.revenue });
    case 'severalOrderCurrencies':
      return t('analytics.warn.severalOrderCurrencies', { currencies: warning.currencies.join(', ') });
    case 'severalSpendCurrencies':
      return t('analytics.warn.severalSpendCurrencies', { currencies: warning.currencies.join(', ') });
    case 'orderCurrencyAssumed':
      return t('analytics.warn.orderCurrencyAssumed', { currency: warning.currency });
  }
}

export function AnalyticsPage() {
  const { t, language } = usePreferences();
  const notify = useToast();
  const asError = useBackendError();
  // The core counts days in the workspace's zone; "today" must be that zone's today too.
  const { timeZone } = useSession().account;

  const today = workspaceToday(timeZone);
  const [preset, setPreset] = useState<Preset>('last30');
  const [custom, setCustom] = useState<Range>(() => presetRange('last30', today));
  const [store, setStore] = useState('');
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
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="m-0 text-2xl">{t('analytics.title')}</h1>
          <p className="m-0 mt-1 text-sm text-muted">{t('analytics.lead')}</p>
        </div>
        <button
          type="button"
          className="btn"
          onClick={() => void exportCsv()}
          disabled={!query || exporting || busy || load.state === 'failed' || empty}
        >
          <DownloadIcon />
          {exporting ? t('analytics.exporting') : t('analytics.export')}
        </button>
      </div>

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
        <ErrorAlert error={load.error}>
          <button type="button" className="btn btn-sm" onClick={() => fetchReport(false)}>
            {t('common.tryAgain')}
          </button>
        </ErrorAlert>
      )}

      {!problem && load.state !== 'failed' && report === null && <Skeleton label={t('analytics.loading')} />}
      {busy && report !== null && (
        <p role="status" className="visually-hidden">
          {t('analytics.loading')}
        </p>
      )}

      {!problem && load.state !== 'failed' && report !== null && (
        <div className={`flex flex-col gap-5 transition-opacity ${busy ? 'opacity-60' : ''}`}>
          {report.warnings.length > 0 && <Warnings warnings={report.warnings} />}
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

function DownloadIcon() {
  return (
    <svg className="h-4 w-4" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.7" aria-hidden="true">
      <path d="M10 3v10m0 0-4-4m4 4 4-4M4 16h12" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

function Filters({
  preset,
  onPreset,
  custom,
  onCustom,
  problem,
  store,
  stores,
  onStore,
  timeZone,
}: {
  preset: Preset;
  onPreset: (preset: Preset) => void;
  custom: Range;
  onCustom: (range: Range) => void;
  problem: string | null;
  store: string;
  stores: Integration[];
  onStore: (id: string) => void;
  timeZone: string;
}) {
  const { t } = usePreferences();
  return (
    <section aria-label={t('analytics.filters')} className="card flex flex-wrap items-end gap-x-6 gap-y-3 px-5 py-3">
      <fieldset className="m-0 flex flex-col gap-1.5 border-0 p-0">
        <legend className="label mb-1.5 p-0">{t('analytics.range')}</legend>
        <div className="segmented">
          {PRESETS.map((p) => (
            <label key={p}>
              <input type="radio" name="analytics-range" value={p} checked={preset === p} onChange={() => onPreset(p)} />
              {t(`analytics.preset.${p}` as MessageKey)}
            </label>
          ))}
        </div>
      </fieldset>
      {preset === 'custom' && (
        <div className="flex flex-col gap-1.5">
          <div className="flex items-end gap-3">
            <DateField label={t('analytics.from')} value={custom.from} invalid={problem !== null} onChange={(from) => onCustom({ ...custom, from })} />
            <DateField label={t('analytics.to')} value={custom.to} invalid={problem !== null} onChange={(to) => onCustom({ ...custom, to })} />
          </div>
          {problem && (
            <p className="m-0 text-sm text-danger" role="alert" id="analytics-range-problem">
              {problem}
            </p>
          )}
        </div>
      )}
      <div className="field min-w-[13rem]">
        <label htmlFor="analytics-store">{t('analytics.store')}</label>
        <select id="analytics-store" className="input" value={store} onChange={(event) => onStore(event.target.value)}>
          <option value="">{t('analytics.allStores')}</option>
          {stores.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <p className="m-0 ml-auto self-end pb-2 text-xs text-muted" data-testid="analytics-time-zone">
        {t('analytics.timeZone', { zone: timeZone })}
      </p>
    </section>
  );
}

function DateField({
  label,
  value,
  invalid,
  onChange,
}: {
  label: string;
  value: string;
  invalid: boolean;
  onChange: (value: string) => void;
}) {
  const id = `analytics-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="date"
        className="input"
        value={value}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? 'analytics-range-problem' : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

function Warnings({ warnings }: { warnings: ReportWarning[] }) {
  const { t } = usePreferences();
  return (
    <div role="note" aria-label={t('analytics.warnings')} className="analytics-warning flex items-start gap-3 rounded-xl px-4 py-3 text-sm">
      <span aria-hidden="true" className="font-bold">
        !
      </span>
      <ul className="m-0 flex list-none flex-col gap-1 p-0">
        {warnings.map((warning) => (
          <li key={warning.kind}>{warningText(t, warning)}</li>
        ))}
      </ul>
    </div>
  );
}

function Kpi({ label, value, accent }: { label: string; value: string; accent?: string }) {
  return (
    <div role="group" aria-label={label} className="card flex min-w-0 flex-col gap-0.5 px-4 py-2.5">
      <span className="flex items-center gap-1.5 text-xs font-semibold text-muted">
        {accent && <span className="h-2 w-2 flex-none rounded-full" style={{ background: accent }} aria-hidden="true" />}
        {label}
      </span>
      <span className="truncate text-lg font-semibold tabular-nums" title={value}>
        {value}
      </span>
    </div>
  );
}

function Kpis({ report }: { report: Report }) {
  const { t } = usePreferences();
  const f = useFigures(report);
  const m = report.totals;
  return (
    <section aria-label={t('analytics.kpis')} className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
      <Kpi label={t('analytics.spend')} value={f.spend(m.spendMinor)} accent="var(--meta)" />
      <Kpi label={t('analytics.impressions')} value={f.count(m.impressions)} />
      <Kpi label={t('analytics.clicks')} value={f.count(m.clicks)} />
      <Kpi label={t('analytics.metaPurchases')} value={f.count(m.metaPurchases)} />
      <Kpi label={t('analytics.metaValue')} value={f.spend(m.metaPurchaseValueMinor)} accent="#8b5cf6" />
      <Kpi label={t('analytics.revenue')} value={f.revenue(m.revenueMinor)} accent="var(--pancake)" />
      <Kpi label={t('analytics.orders')} value={f.count(m.orders)} />
      <Kpi label={t('analytics.aov')} value={f.revenue(m.averageOrderValueMinor)} />
      <Kpi label={t('analytics.roasMeta')} value={f.roas(m.roasMeta)} />
      <Kpi label={t('analytics.roasPos')} value={f.roas(m.roasPos)} />
    </section>
  );
}

/** The grouping tabs: arrows move between them (and choose), as tabs do. */
function GroupingTabs({ by, onBy }: { by: ReportGrouping; onBy: (by: ReportGrouping) => void }) {
  const { t } = usePreferences();
  const onKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = GROUPINGS[(GROUPINGS.indexOf(by) + step + GROUPINGS.length) % GROUPINGS.length];
    onBy(next);
    document.getElementById(`analytics-tab-${next}`)?.focus();
  };
  return (
    <div role="tablist" aria-label={t('analytics.grouping')} className="segmented self-start">
      {GROUPINGS.map((g) => (
        <button
          key={g}
          type="button"
          role="tab"
          id={`analytics-tab-${g}`}
          aria-selected={by === g}
          aria-controls="analytics-panel"
          tabIndex={by === g ? 0 : -1}
          className="segmented-tab"
          onClick={() => onBy(g)}
          onKeyDown={onKey}
        >
          {t(`analytics.by.${g}` as MessageKey)}
        </button>
      ))}
    </div>
  );
}

function Grouped({ by, onBy, report }: { by: ReportGrouping; onBy: (by: ReportGrouping) => void; report: Report }) {
  const { t, language } = usePreferences();
  const f = useFigures(report);
  const range = rangeText(language, report);
  const shown = report.by === 'day' ? report.rows.length : topRows(report).length;
  const summary =
    report.by === 'day'
      ? t('analytics.chartDay', { range, spend: f.spend(report.totals.spendMinor), revenue: f.revenue(report.totals.revenueMinor) })
      : t('analytics.chartTop', {
          count: shown,
          range,
          name: topRows(report)[0] ? rowLabel(t, topRows(report)[0], report.by) : t('analytics.none'),
        });
  return (
    <section className="flex flex-col gap-3">
      <GroupingTabs by={by} onBy={onBy} />
      <div
        role="tabpanel"
        id="analytics-panel"
        aria-labelledby={`analytics-tab-${by}`}
        className="flex flex-col gap-4"
      >
        <div className="card px-4 pt-4 pb-2">
          <AnalyticsChart report={report} summary={summary} />
          {report.by !== 'day' && report.rows.length > CHART_TOP && shown === CHART_TOP && (
            <p className="m-0 mt-1 text-xs text-muted">{t('analytics.chartTopNote', { count: CHART_TOP, total: report.rows.length })}</p>
          )}
        </div>
        <ReportTable report={report} range={range} />
      </div>
    </section>
  );
}

function ReportTable({ report, range }: { report: Report; range: string }) {
  const { t, language } = usePreferences();
  const f = useFigures(report);
  const first: Record<ReportGrouping, MessageKey> = {
    day: 'analytics.col.day',
    campaign: 'analytics.col.campaign',
    ad: 'analytics.col.adCampaign',
  };
  const heads: [MessageKey, MessageKey][] = [
    ['analytics.spend', 'analytics.spend'],
    ['analytics.impressionsShort', 'analytics.impressions'],
    ['analytics.clicks', 'analytics.clicks'],
    ['analytics.metaPurchases', 'analytics.metaPurchases'],
    ['analytics.metaValueShort', 'analytics.metaValue'],
    ['analytics.revenue', 'analytics.revenue'],
    ['analytics.orders', 'analytics.orders'],
    ['analytics.aovShort', 'analytics.aov'],
    ['analytics.roasMetaShort', 'analytics.roasMeta'],
    ['analytics.roasPosShort', 'analytics.roasPos'],
  ];
  const cells = (m: ReportMetrics): ReactNode[] => [
    f.spend(m.spendMinor),
    f.count(m.impressions),
    f.count(m.clicks),
    f.count(m.metaPurchases),
    f.spend(m.metaPurchaseValueMinor),
    f.revenue(m.revenueMinor),
    f.count(m.orders),
    f.revenue(m.averageOrderValueMinor),
    f.roas(m.roasMeta),
    f.roas(m.roasPos),
  ];
  const label = (row: ReportRow) => (row.kind === 'day' ? dayText(language, row.key) : rowLabel(t, row, report.by));
  const special = (row: ReportRow) => row.kind === 'unknownAd' || row.kind === 'noAd' || (row.kind === 'campaign' && !row.key);

  return (
    <div className="card overflow-x-auto">
      <table className="data-table report-table">
        <caption className="visually-hidden">{t('analytics.tableCaption', { range })}</caption>
        <thead>
          <tr>
            <th scope="col">{t(first[report.by])}</th>
            {heads.map(([short, full]) => (
              <th key={short} scope="col" className="num" title={short === full ? undefined : t(full)}>
                {t(short)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.rows.map((row) => (
            <tr key={`${row.kind}:${row.key}`} data-kind={row.kind} className={special(row) ? 'special-row' : undefined}>
              <th scope="row" className="name">
                <span className="row-name">{label(row)}</span>
                {row.kind === 'ad' && (
                  <>
                    <span className="visually-hidden">, </span>
                    <span className="row-campaign">{row.campaignName ?? t('analytics.noCampaign')}</span>
                  </>
                )}
              </th>
              {cells(row.metrics).map((cell, i) => (
                <td key={i} className="num">
                  {cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('analytics.total')}</th>
            {cells(report.totals).map((cell, i) => (
              <td key={i} className="num">
                {cell}
              </td>
            ))}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function Skeleton({ label }: { label: string }) {
  return (
    <div className="flex flex-col gap-6">
      <p role="status" className="visually-hidden">
        {label}
      </p>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" aria-hidden="true">
        {Array.from({ length: 10 }, (_, i) => (
          <div key={i} className="card flex flex-col gap-2 px-4 py-3">
            <div className="skeleton h-3 w-1/2" />
            <div className="skeleton h-6 w-3/4" />
          </div>
        ))}
      </div>
      <div className="card p-5" aria-hidden="true">
        <div className="skeleton h-64 w-full" />
      </div>
    </div>
  );
}
