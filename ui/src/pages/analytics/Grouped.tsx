//! The report by its grouping: the tabs, then the chart and the table of the chosen one.

import { localeOf, usePreferences } from '../../i18n';
import type { Language, Report, ReportGrouping } from '../../types';
import { rowLabel, dayDate, type Range } from './analytics';
import { AnalyticsChart, CHART_TOP, topRows } from './AnalyticsChart';
import { GroupingTabs } from './GroupingTabs';
import { ReportTable } from './ReportTable';
import { useFigures } from './useFigures';

function rangeText(language: Language, range: Range): string {
  const format = new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeZone: 'UTC' });
  return range.from === range.to
    ? format.format(dayDate(range.from))
    : format.formatRange(dayDate(range.from), dayDate(range.to));
}

export function Grouped({ by, onBy, report }: { by: ReportGrouping; onBy: (by: ReportGrouping) => void; report: Report }) {
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
