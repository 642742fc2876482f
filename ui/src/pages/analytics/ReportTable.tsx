//! Every row of the report with its ten figures, and the totals.

import type { ReactNode } from 'react';

import { localeOf, usePreferences, type MessageKey } from '../../i18n';
import type { Language, Report, ReportGrouping, ReportMetrics, ReportRow } from '../../types';
import { dayDate, rowLabel } from './analytics';
import { useFigures } from './useFigures';

function dayText(language: Language, day: string): string {
  const options: Intl.DateTimeFormatOptions =
    language === 'vi'
      ? { weekday: 'short', day: '2-digit', month: '2-digit', timeZone: 'UTC' }
      : { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(localeOf(language), options).format(dayDate(day));
}

export function ReportTable({ report, range }: { report: Report; range: string }) {
  const { t, language } = usePreferences();
  const f = useFigures(report);
  const first: Record<ReportGrouping, MessageKey> = {
    day: 'analytics.col.day',
    campaign: 'analytics.col.campaign',
    ad: 'analytics.col.adCampaign',
    store: 'analytics.col.store',
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
  /** A row's figures, one numeric cell each, in the columns' order. */
  const cells = (m: ReportMetrics): ReactNode[] =>
    [
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
    ].map((cell, i) => (
      <td key={i} className="num">
        {cell}
      </td>
    ));
  const label = (row: ReportRow) => (row.kind === 'day' ? dayText(language, row.key) : rowLabel(t, row, report.by));
  const special = (row: ReportRow) =>
    row.kind === 'unknownAd' ||
    row.kind === 'noAd' ||
    row.kind === 'unassigned' ||
    row.kind === 'noStore' ||
    (row.kind === 'campaign' && !row.key);

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
              {cells(row.metrics)}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('analytics.total')}</th>
            {cells(report.totals)}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
