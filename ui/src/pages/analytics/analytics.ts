//! The dashboard's ranges and labels, pure so they are tested without a page. Days are the
//! report's: calendar days in the workspace's time zone (the core's default for a query that
//! names none, which the UI never does), so "today" is the workspace's today whatever the
//! computer's clock zone says.

import type { Translate } from '../../i18n';
import type { ReportMetrics, ReportQuery, ReportRow } from '../../types';

/** A new workspace's time zone; "today" falls back to it if the browser does not know the workspace's. */
export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

export type Preset = 'last7' | 'last30' | 'last90' | 'thisMonth' | 'custom';
export const PRESETS: Preset[] = ['last7', 'last30', 'last90', 'thisMonth', 'custom'];

export interface Range {
  from: string;
  to: string;
}

/** The calendar day (`YYYY-MM-DD`) that `now` falls on in `timeZone`. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * Today in the workspace's time zone. The core knows every IANA name; should this browser not
 * know one (an older ICU), the default zone is the nearest guess rather than a broken page.
 */
export function workspaceToday(timeZone: string, now: Date = new Date()): string {
  try {
    return todayIn(timeZone, now);
  } catch {
    return todayIn(DEFAULT_TIME_ZONE, now);
  }
}

/** `addDays('2026-03-01', -1)` → `'2026-02-28'`; calendar arithmetic, no time zone involved. */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function isDay(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && addDays(value, 0) === value;
}

/** The days a preset covers, ending today (`today` in the workspace's time zone). */
export function presetRange(preset: Exclude<Preset, 'custom'>, today: string): Range {
  switch (preset) {
    case 'last7':
      return { from: addDays(today, -6), to: today };
    case 'last30':
      return { from: addDays(today, -29), to: today };
    case 'last90':
      return { from: addDays(today, -89), to: today };
    case 'thisMonth':
      return { from: `${today.slice(0, 8)}01`, to: today };
  }
}

/** Why a custom range cannot be asked for, or null when it can. */
export function rangeProblem(t: Translate, range: Range): string | null {
  if (!isDay(range.from) || !isDay(range.to)) return t('analytics.rangeIncomplete');
  if (range.from > range.to) return t('analytics.rangeBackwards');
  return null;
}

/** The query as the core takes it: no time zone (the core's default is the workspace's), no empty store. */
export function reportQuery(range: Range, by: ReportQuery['by'], store: string): ReportQuery {
  return store ? { from: range.from, to: range.to, store, by } : { from: range.from, to: range.to, by };
}

/** What a row of the table (and a bar of the chart) is called. */
export function rowLabel(t: Translate, row: ReportRow, by: ReportQuery['by']): string {
  switch (row.kind) {
    case 'unknownAd':
      return by === 'ad' && row.key ? t('analytics.unknownAd', { id: row.key }) : t('analytics.unknownAds');
    case 'noAd':
      return t('analytics.noAd');
    case 'campaign':
      return row.name || row.key || t('analytics.noCampaign');
    case 'ad':
      return row.name || row.key;
    case 'day':
      return row.key;
    case 'store':
      return row.name ?? t('analytics.removedStore');
    case 'unassigned':
      return t('analytics.unassignedRow');
    case 'noStore':
      return t('analytics.noStoreRow');
  }
}

/** Nothing at all in the range: no spend, no delivery, no orders. */
export function isEmpty(totals: ReportMetrics): boolean {
  return (
    totals.spendMinor === 0 &&
    totals.impressions === 0 &&
    totals.clicks === 0 &&
    totals.metaPurchases === 0 &&
    totals.metaPurchaseValueMinor === 0 &&
    totals.orders === 0 &&
    totals.revenueMinor === 0
  );
}

/** A day as a `Date` at noon UTC, so formatting it in UTC never shifts it to a neighbour. */
export function dayDate(day: string): Date {
  return new Date(`${day}T12:00:00Z`);
}
