//! The dashboard's chart, drawn with recharts. By day: spend as bars, Meta purchase value and POS
//! revenue as lines. By campaign or ad: horizontal bars of the three for the heaviest rows (names
//! read better down the side than slanted under the bars). The figure is one image to assistive
//! technology, named by a sentence that says what it shows; the table below has every number.

import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

import { localeOf, usePreferences } from '../../i18n';
import { formatMoney, minorToMajor } from '../../money';
import type { Report, ReportRow } from '../../types';
import { dayDate, rowLabel } from './analytics';

/** How many campaigns or ads the chart shows; the table lists them all. */
export const CHART_TOP = 10;

const PALETTE = {
  light: { spend: '#1877f2', metaValue: '#8b5cf6', revenue: '#f26b1d', grid: '#dde0e8', axis: '#5d6478', cursor: '#f0f1f5' },
  dark: { spend: '#5b9dff', metaValue: '#b69cff', revenue: '#ff9a57', grid: '#2e3340', axis: '#9aa1b3', cursor: '#222631' },
};

type Series = 'spend' | 'metaValue' | 'revenue';

interface Point {
  label: string;
  spend: number;
  metaValue: number;
  revenue: number;
  /** The exact amounts, for the tooltip. */
  minor: Record<Series, number>;
}

/** The rows the chart shows by campaign or ad: the largest by spend or revenue, largest first. */
export function topRows(report: Report): ReportRow[] {
  const weight = (row: ReportRow) =>
    Math.max(
      minorToMajor(row.metrics.spendMinor, report.spendExponent),
      minorToMajor(row.metrics.revenueMinor, report.revenueExponent),
    );
  return report.rows
    .filter((row) => weight(row) > 0 || row.metrics.metaPurchaseValueMinor > 0)
    .map((row, index) => ({ row, index, weight: weight(row) }))
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .slice(0, CHART_TOP)
    .map(({ row }) => row);
}

export function AnalyticsChart({ report, summary }: { report: Report; summary: string }) {
  const { t, language, resolvedTheme } = usePreferences();
  const colors = PALETTE[resolvedTheme];
  const locale = localeOf(language);
  const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
  const { spendCurrency, revenueCurrency, spendExponent, revenueExponent } = report;
  /** Spend and revenue on one axis only when they are the same money. */
  const twoAxes = spendCurrency !== null && revenueCurrency !== null && spendCurrency !== revenueCurrency;
  const currencyOf = (series: Series) => (series === 'revenue' ? revenueCurrency : spendCurrency);
  const exponentOf = (series: Series) => (series === 'revenue' ? revenueExponent : spendExponent);

  const point = (label: string, row: ReportRow): Point => ({
    label,
    spend: minorToMajor(row.metrics.spendMinor, spendExponent),
    metaValue: minorToMajor(row.metrics.metaPurchaseValueMinor, spendExponent),
    revenue: minorToMajor(row.metrics.revenueMinor, revenueExponent),
    minor: {
      spend: row.metrics.spendMinor,
      metaValue: row.metrics.metaPurchaseValueMinor,
      revenue: row.metrics.revenueMinor,
    },
  });

  const names: Record<Series, string> = {
    spend: t('analytics.spend'),
    metaValue: t('analytics.metaValue'),
    revenue: t('analytics.revenue'),
  };
  const tooltip = (
    <Tooltip
      formatter={(value, _name, item) => {
        const series = item.dataKey as Series;
        const currency = currencyOf(series);
        const minor = (item.payload as Point | undefined)?.minor[series];
        return [currency && minor !== undefined ? formatMoney(minor, currency, exponentOf(series), language) : String(value), names[series]];
      }}
      contentStyle={{
        background: 'var(--surface)',
        border: '1px solid var(--line)',
        borderRadius: 10,
        color: 'var(--fg)',
        boxShadow: 'var(--shadow-lg)',
        fontSize: 13,
      }}
      labelStyle={{ fontWeight: 600, marginBottom: 4 }}
      cursor={{ fill: colors.cursor }}
    />
  );
  const legend = (
    <Legend
      // In the order the series are drawn (recharts sorts by name otherwise, which differs per language).
      itemSorter={null}
      iconType="circle"
      iconSize={9}
      wrapperStyle={{ fontSize: 13, color: colors.axis, paddingTop: 8 }}
      formatter={(value: string) => <span style={{ color: 'var(--fg)' }}>{value}</span>}
    />
  );
  const tick = { fill: colors.axis, fontSize: 12 };
  const money = (value: number) => compact.format(value);

  let chart;
  if (report.by === 'day') {
    const dayFormat = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'numeric', timeZone: 'UTC' });
    const data = report.rows.map((row) => point(dayFormat.format(dayDate(row.key)), row));
    /** Dots on the revenue line while each day is wide enough to see them. */
    const dots = data.length <= 31;
    chart = (
      <ComposedChart responsive data={data} style={{ width: '100%', height: 280 }} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" tick={tick} tickLine={false} axisLine={{ stroke: colors.grid }} minTickGap={12} />
        <YAxis yAxisId="spend" tick={tick} tickLine={false} axisLine={false} tickFormatter={money} width={56} />
        {twoAxes && (
          <YAxis yAxisId="revenue" orientation="right" tick={tick} tickLine={false} axisLine={false} tickFormatter={money} width={56} />
        )}
        {tooltip}
        {legend}
        <Bar yAxisId="spend" dataKey="spend" name={names.spend} fill={colors.spend} radius={[3, 3, 0, 0]} maxBarSize={28} isAnimationActive={false} />
        <Line yAxisId="spend" dataKey="metaValue" name={names.metaValue} stroke={colors.metaValue} strokeWidth={2} strokeDasharray="5 4" dot={false} type="monotone" isAnimationActive={false} />
        <Line yAxisId={twoAxes ? 'revenue' : 'spend'} dataKey="revenue" name={names.revenue} stroke={colors.revenue} strokeWidth={2.5} dot={dots && { r: 3, fill: colors.revenue, strokeWidth: 0 }} type="monotone" isAnimationActive={false} />
      </ComposedChart>
    );
  } else {
    const data = topRows(report).map((row) => point(rowLabel(t, row, report.by), row));
    const height = Math.max(200, data.length * 44 + 64);
    chart = (
      <BarChart
        responsive
        layout="vertical"
        data={data}
        style={{ width: '100%', height }}
        margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
        barGap={2}
        barCategoryGap="16%"
      >
        <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" horizontal={false} />
        <XAxis xAxisId="spend" type="number" tick={tick} tickLine={false} axisLine={{ stroke: colors.grid }} tickFormatter={money} />
        {twoAxes && <XAxis xAxisId="revenue" type="number" orientation="top" tick={tick} tickLine={false} axisLine={false} tickFormatter={money} />}
        <YAxis
          type="category"
          dataKey="label"
          tick={tick}
          tickLine={false}
          axisLine={false}
          width={220}
          tickFormatter={(label: string) => (label.length > 48 ? `${label.slice(0, 47)}…` : label)}
        />
        {tooltip}
        {legend}
        <Bar xAxisId="spend" dataKey="spend" name={names.spend} fill={colors.spend} radius={[0, 3, 3, 0]} isAnimationActive={false} />
        <Bar xAxisId="spend" dataKey="metaValue" name={names.metaValue} fill={colors.metaValue} radius={[0, 3, 3, 0]} isAnimationActive={false} />
        <Bar xAxisId={twoAxes ? 'revenue' : 'spend'} dataKey="revenue" name={names.revenue} fill={colors.revenue} radius={[0, 3, 3, 0]} isAnimationActive={false} />
      </BarChart>
    );
  }

  return (
    <figure className="m-0" role="img" aria-label={summary} data-testid="analytics-chart">
      {chart}
    </figure>
  );
}
